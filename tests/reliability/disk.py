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
    """Builds into a fresh tmpfs of `size`; expects a clean failure (or, at the edge, success)."""
    code, out, err = mirror.build(point)
    exits.append(f"{size}:{code}")
    lines = [line for line in err.splitlines() if line.startswith("cudapkgs: error:")]
    message = lines[0] if lines else err.strip()[:200]
    print(f"   tmpfs size={size}: exit {code}: {message[:150]}", flush=True)
    ok = True
    if code != 0:
        FIG.add("faults injected")
        ok &= FIG.check(code in (4, 5, 6), f"size={size}: exit {code} is not a documented failure code: {err}")
        ok &= FIG.check("No space left on device" in err, f"size={size}: the message does not say the disk is full: {err}")
        ok &= FIG.check("internal error" not in err.lower(), f"size={size}: reported as internal: {err}")
    half = set(store_entries(point)) - set(registered(point))
    ok &= FIG.check(not half, f"size={size}: unregistered store paths left: {half}")
    vcode, report, verr = verify(point)
    ok &= FIG.check(vcode == 0, f"size={size}: store verify exited {vcode}: {report} {verr}")
    code_ls, listing, lerr = cudapkgs("--store", point, "--json", "store", "ls")
    ok &= FIG.check(code_ls == 0, f"size={size}: store ls exited {code_ls}: {lerr}")
    for entry in store_entries(point):
        ok &= FIG.check(entry in listing, f"size={size}: {entry} on disk but not listed")
    entries, leftover = temp_leftovers(point)
    ok &= FIG.check(entries == 0, f"size={size}: {entries} temp entries left after verify")
    FIG.add("bytes lost", leftover)
    if code != 0:
        FIG.add("faults survived", bool(ok))
    return code


def used_kib(mirror, point):
    """KiB a complete build of the three packages needs on tmpfs."""
    mount(point, "256m")
    try:
        code, _, err = mirror.build(point)
        FIG.check(code == 0, f"reference build on a 256m tmpfs exited {code}: {err}")
        st = os.statvfs(point)
        return (st.f_blocks - st.f_bfree) * st.f_frsize // 1024
    finally:
        subprocess.run(["umount", point], check=True)


def run(mirror):
    name = "full disk (tmpfs store)"
    point = tempfile.mkdtemp(prefix="tmpfs-", dir=WORK)
    probe = mount(point, "2m")
    if probe.returncode != 0:
        FIG.skip(name, f"mount -t tmpfs failed: {probe.stderr.strip() or probe.returncode}")
        return
    subprocess.run(["umount", point], check=True)
    FIG.begin(name)
    exits = []
    try:
        need = used_kib(mirror, point)
        # Peak use is above the final size; find the smallest store that works (8 KiB steps),
        # then fill the disk at every stage: download, unpack, seal, metadata, database.
        lo, hi = need - 1, need * 5 // 4
        while hi - lo > 8:
            mid = (lo + hi) // 2
            mount(point, f"{mid}k")
            ok = one_size(mirror, point, f"{mid}k", exits) == 0
            subprocess.run(["umount", point], check=True)
            lo, hi = (lo, mid) if ok else (mid, hi)
        print(f"   a complete build leaves {need} KiB; the smallest store that works is ~{hi} KiB", flush=True)
        sizes = ["2m"] + [f"{need * f // 100}k" for f in (25, 50, 75, 90)] + [f"{hi - d}k" for d in (4, 8, 12, 16, 24, 32)]
        for size in sizes:
            mount(point, size)
            one_size(mirror, point, size, exits)
            if size != sizes[-1]:
                subprocess.run(["umount", point], check=True)
        # Free space: the same store, remounted larger, now builds.
        subprocess.run(["mount", "-o", "remount,size=256m", point], check=True)
        code, out, err = mirror.build(point)
        FIG.check(code == 0, f"after remounting larger the build failed: {code} {err}")
        vcode, report, verr = verify(point)
        FIG.check(vcode == 0 and report and report["checked"] == len(out.split()),
                  f"verify after the successful build: {vcode} {report} {verr}")
    finally:
        subprocess.run(["umount", point], capture_output=True)
    codes = {}
    for e in exits:
        codes[e.split(":")[1]] = codes.get(e.split(":")[1], 0) + 1
    print("   size:exit " + " ".join(exits), flush=True)
    FIG.end(f"{len(exits)} stores; exits " + ", ".join(f"{c}: {n}" for c, n in sorted(codes.items())))
