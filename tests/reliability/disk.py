# SPDX-License-Identifier: Apache-2.0
"""Full disk: the store on a tiny tmpfs; a clear failure, nothing half-registered, then success."""
import os
import subprocess
import tempfile

from common import FIG, WORK, cudapkgs, registered, store_entries, temp_leftovers, verify


def mount(point, size):
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", point],
                          capture_output=True, text=True)


def one_size(mirror, point, size, exits):
    """Builds into a fresh tmpfs of `size`; expects a clean failure."""
    code, _, err = mirror.build(point)
    exits.append(code)
    FIG.add("faults injected")
    lines = [line for line in err.splitlines() if line.startswith("cudapkgs: error:")]
    message = lines[0] if lines else err.strip()[:200]
    print(f"   tmpfs size={size}: exit {code}: {message}", flush=True)
    ok = FIG.check(code in (4, 5, 6), f"size={size}: exit {code} is not a documented failure code: {err}")
    ok &= FIG.check("No space left on device" in err or "no space" in err.lower(),
                    f"size={size}: the message does not say the disk is full: {err}")
    ok &= FIG.check("internal error" not in err.lower(), f"size={size}: reported as internal: {err}")
    half = set(store_entries(point)) - set(registered(point))
    ok &= FIG.check(not half, f"size={size}: unregistered store paths left: {half}")
    # verify needs a little room for its own database connection; it must still say clean.
    vcode, report, verr = verify(point)
    ok &= FIG.check(vcode == 0, f"size={size}: store verify exited {vcode}: {report} {verr}")
    code_ls, out, lerr = cudapkgs("--store", point, "--json", "store", "ls")
    ok &= FIG.check(code_ls == 0, f"size={size}: store ls exited {code_ls}: {lerr}")
    for entry in store_entries(point):
        ok &= FIG.check(entry in out, f"size={size}: {entry} on disk but not listed")
    entries, leftover = temp_leftovers(point)
    ok &= FIG.check(entries == 0, f"size={size}: {entries} temp entries left after verify")
    FIG.add("bytes lost", leftover)
    FIG.add("faults survived", bool(ok))
    return message


def run(mirror):
    name = "full disk (tmpfs store)"
    point = tempfile.mkdtemp(prefix="tmpfs-", dir=WORK)
    probe = mount(point, "2m")
    if probe.returncode != 0:
        FIG.skip(name, f"mount -t tmpfs failed: {probe.stderr.strip() or probe.returncode}")
        return
    FIG.begin(name)
    exits, messages = [], []
    try:
        # 2m: the archives do not fit (download fails); 6m: they fit, the unpacked trees do not.
        for size in ("2m", "6m"):
            if size != "2m":
                subprocess.run(["umount", point], check=True)
                mount(point, size)
            messages.append(one_size(mirror, point, size, exits))
        subprocess.run(["mount", "-o", "remount,size=256m", point], check=True)
        code, out, err = mirror.build(point)
        FIG.check(code == 0, f"after remounting larger the build failed: {code} {err}")
        vcode, report, verr = verify(point)
        FIG.check(vcode == 0 and report and report["checked"] == len(out.split()),
                  f"verify after the successful build: {vcode} {report} {verr}")
    finally:
        subprocess.run(["umount", point], capture_output=True)
    FIG.end(f"exit codes {exits}")
    FIG.counts["full-disk messages"] = messages
