# SPDX-License-Identifier: Apache-2.0
"""Crash safety: SIGKILL a three-package build at random points, then check the store."""
import os
import random
import shutil
import time

from common import FIG, TARGETS, cudapkgs, fresh_store, kill_after, registered, store_entries, temp_leftovers, verify


def phase_at_kill(store, valid_before):
    """Where the build was when killed, judged from what it left on disk."""
    downloads = os.path.join(store, ".cudapkgs", "downloads")
    parts = [f for f in os.listdir(downloads) if f.endswith(".part")] if os.path.isdir(downloads) else []
    tmp = os.path.join(store, ".cudapkgs", "tmp")
    dirs = [os.path.join(tmp, d) for d in os.listdir(tmp)] if os.path.isdir(tmp) else []
    unregistered = set(store_entries(store)) - set(registered(store))
    if unregistered:
        return "commit (renamed, unregistered)"
    if any(not os.stat(d).st_mode & 0o200 for d in dirs):
        return "commit (sealed, not renamed)"  # sealing makes a directory 0555 after its contents
    if dirs:  # build directories exist only once every archive is downloaded
        return "unpack/patch"
    if parts:
        return "download"
    if set(registered(store)) - set(valid_before):
        return "between packages"
    return "start"


def reset_for_next_run(mirror, store, drop_downloads):
    """Deletes every store path (gc, no roots) and, unless asked to keep them, the downloaded
    archives (gc deletes them; kept ones are moved aside around it)."""
    downloads = os.path.join(store, ".cudapkgs", "downloads")
    aside = store + ".downloads"
    shutil.rmtree(aside, ignore_errors=True)
    if not drop_downloads and os.path.isdir(downloads):
        os.rename(downloads, aside)
    code, _, err = cudapkgs("--store", store, "store", "gc")
    FIG.check(code == 0, f"store gc between runs exited {code}: {err}")
    if os.path.isdir(aside):
        shutil.rmtree(downloads, ignore_errors=True)
        os.rename(aside, downloads)


def calibrate(mirror, store):
    start = time.monotonic()
    code, out, err = mirror.build(store)
    seconds = time.monotonic() - start
    FIG.check(code == 0, f"calibration build exited {code}: {err}")
    return seconds, sorted(out.split())


def run(mirror, runs, seed):
    FIG.begin("crash safety (kill -9)")
    rng = random.Random(seed)
    store = fresh_store()
    full, expected = calibrate(mirror, store)
    print(f"   uncached build takes {full:.2f}s; kills after 0..{0.7 * full:.2f}s (0..{1.7 + 0.3 * full:.2f}s "
          f"with a 1 MB/s mirror, 0..{0.75 * full:.2f}s with the archives downloaded)", flush=True)
    phases = {}
    survived = 0
    i = 0
    while FIG.counts.get("kills", 0) < runs and i < runs * 3 // 2:  # at least `runs` real kills
        i += 1
        mode = i % 3  # 0: cold + slow mirror, 1: cold, 2: archives cached (unpack/patch/commit)
        reset_for_next_run(mirror, store, drop_downloads=mode != 2)
        mirror.faults({"*": {"mode": "slow", "rate": 1_000_000}} if mode == 0 else None)
        valid_before = registered(store)
        # slow: cudart's 1.7 MB take ~1.7 s before anything is unpacked
        span = 1.7 + 0.3 * full if mode == 0 else full * (0.7 if mode == 1 else 0.75)
        delay = rng.uniform(0, span)
        killed, code = kill_after(mirror.build_cmd(store), delay)
        phase = phase_at_kill(store, valid_before) if killed else "finished"
        phases[phase] = phases.get(phase, 0) + 1
        ok = killed or FIG.check(code == 0, f"run {i}: unkilled build exited {code}")
        vcode, report, err = verify(store)
        ok &= FIG.check(vcode == 0, f"run {i} ({phase}, {delay:.3f}s): store verify exited {vcode}: {report} {err}")
        entries, leftover = temp_leftovers(store)
        ok &= FIG.check(entries == 0, f"run {i}: {entries} temp entries ({leftover} bytes) left after verify")
        half = set(store_entries(store)) - set(registered(store))
        ok &= FIG.check(not half, f"run {i}: unregistered store paths after verify: {half}")
        FIG.add("bytes lost", leftover)
        if killed:
            FIG.add("faults injected")
            FIG.add("kills")
            survived += bool(ok)
            FIG.add("faults survived", bool(ok))
    mirror.faults(None)
    code, out, err = mirror.build(store)
    FIG.check(code == 0, f"rebuild after the kills exited {code}: {err}")
    FIG.check(sorted(out.split()) == expected, "rebuild prints the same store paths as the first build")
    vcode, report, err = verify(store)
    FIG.check(vcode == 0 and report and report["checked"] == len(expected) and not report["problems"],
              f"final verify: {vcode} {report} {err}")
    FIG.add("bytes lost", temp_leftovers(store)[1])
    desc = ", ".join(f"{k} {v}" for k, v in sorted(phases.items()))
    print(f"   kills landed: {desc}", flush=True)
    FIG.end(f"{FIG.counts.get('kills', 0)} kills ({desc}); {survived} clean")
    return TARGETS
