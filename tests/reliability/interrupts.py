# SPDX-License-Identifier: Apache-2.0
"""Interrupts: SIGINT and SIGTERM a three-package build at random points (download, unpack,
patch, commit), a second signal now and then; each time the process must exit 130/143 (or
finish), leave no build directory, keep its `.part` downloads, and leave a store that verifies
clean; the same build then completes, resuming what was downloaded."""
import os
import random
import signal
import subprocess
import time

from common import ENV, FIG, WORK, cudapkgs, fresh_store, registered, store_entries, temp_leftovers, verify
from crash import calibrate, phase_at_kill, reset_for_next_run

EXPECTED = {signal.SIGINT: 130, signal.SIGTERM: 143}


def signal_after(cmd, sig, delay_s, second_after=None):
    """Starts `cmd`, sends `sig` after delay_s unless it ended (and again `second_after` seconds
    later); returns (signalled, exit code, stderr, seconds from the first signal to exit)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace",
                            env=ENV, cwd=WORK)
    try:
        _, err = proc.communicate(timeout=delay_s)
        return False, proc.returncode, err, 0.0
    except subprocess.TimeoutExpired:
        pass
    sent = time.monotonic()
    proc.send_signal(sig)
    if second_after is not None:
        try:
            proc.wait(timeout=second_after)
        except subprocess.TimeoutExpired:
            proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    return True, proc.returncode, err, time.monotonic() - sent


def parts(store):
    d = os.path.join(store, ".cudapkgs", "downloads")
    return sorted(f for f in os.listdir(d) if f.endswith(".part")) if os.path.isdir(d) else []


def run(mirror, runs, seed):
    FIG.begin("interrupts (SIGINT/SIGTERM)")
    rng = random.Random(seed ^ 0x5151)
    store = fresh_store("store-int")
    full, expected = calibrate(mirror, store)
    phases, survived, resumed, slowest, i = {}, 0, 0, 0.0, 0
    while FIG.counts.get("interrupts", 0) < runs and i < runs * 2:
        i += 1
        mode = i % 3  # 0: cold + slow mirror (download), 1: cold, 2: archives cached (unpack/patch/commit)
        reset_for_next_run(mirror, store, drop_downloads=mode != 2)
        mirror.faults({"*": {"mode": "slow", "rate": 1_000_000}} if mode == 0 else None)
        valid_before = registered(store)
        span = 1.7 + 0.3 * full if mode == 0 else full * (0.7 if mode == 1 else 0.75)
        delay = rng.uniform(0.05, span)
        sig = signal.SIGINT if i % 2 else signal.SIGTERM
        double = i % 7 == 0  # a second signal soon after the first: ends at once
        signalled, code, err, took = signal_after(mirror.build_cmd(store), sig, delay,
                                                  second_after=0.02 if double else None)
        if not signalled:
            ok = FIG.check(code == 0, f"run {i}: unsignalled build exited {code}: {err[-300:]}")
            phases["finished"] = phases.get("finished", 0) + 1
            continue
        phase = phase_at_kill(store, valid_before)
        phases[phase] = phases.get(phase, 0) + 1
        FIG.add("faults injected")
        FIG.add("interrupts")
        if double:
            ok = FIG.check(code in (EXPECTED[sig], -sig), f"run {i}: double {sig.name} exited {code}: {err[-300:]}")
        else:
            ok = FIG.check(code in (EXPECTED[sig], 0),
                           f"run {i} ({phase}, {delay:.3f}s): {sig.name} exited {code}, want {EXPECTED[sig]}: "
                           f"{err[-300:]}")
            ok &= FIG.check(code == 0 or "interrupted" in err or "terminated" in err,
                            f"run {i}: no interrupt message: {err[-300:]}")
            # The process cleaned up after itself: no build directory, before any verify.
            entries, leftover = temp_leftovers(store)
            ok &= FIG.check(entries == 0, f"run {i} ({phase}): {entries} temp entries ({leftover} bytes) left by "
                                          f"the interrupted process")
            slowest = max(slowest, took)
        kept = parts(store)
        vcode, report, verr = verify(store)
        ok &= FIG.check(vcode == 0, f"run {i} ({phase}): store verify exited {vcode}: {report} {verr}")
        half = set(store_entries(store)) - set(registered(store))
        ok &= FIG.check(not half, f"run {i}: unregistered store paths after verify: {half}")
        FIG.add("bytes lost", temp_leftovers(store)[1])
        # The same command completes, resuming the kept partial downloads.
        mirror.faults(None)
        mirror.reset_stats()
        code2, out2, err2 = mirror.build(store)
        ok &= FIG.check(code2 == 0, f"run {i}: build after the interrupt exited {code2}: {err2[-300:]}")
        ok &= FIG.check(sorted(out2.split()) == expected, f"run {i}: build after the interrupt printed other paths")
        if kept and not double:
            ranges = mirror.stats().get("ranges", {})
            resumed += any(h for hs in ranges.values() for h in hs if h)
        survived += bool(ok)
        FIG.add("faults survived", bool(ok))
    mirror.faults(None)
    vcode, report, err = verify(store)
    FIG.check(vcode == 0 and report and not report["problems"], f"final verify: {vcode} {report} {err}")
    desc = ", ".join(f"{k} {v}" for k, v in sorted(phases.items()))
    print(f"   interrupts landed: {desc}; slowest stop {slowest:.2f}s; {resumed} runs resumed a .part", flush=True)
    FIG.check(slowest < 5.0, f"an interrupted build took {slowest:.2f}s to stop (want < 5 s)")
    FIG.end(f"{FIG.counts.get('interrupts', 0)} interrupts ({desc}); {survived} clean; slowest stop {slowest:.2f}s")
