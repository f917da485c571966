# SPDX-License-Identifier: Apache-2.0
"""Concurrency: 8 builders with overlapping targets on one store, one download per archive."""
import subprocess

from common import ENV, FIG, WORK, fresh_store, integrity_check, temp_leftovers, verify

MIXES = [["cuda_cudart", "cuda_cccl"], ["cuda_cccl", "cuda_crt"], ["cuda_cudart", "cuda_crt"],
         ["cuda_cudart", "cuda_cccl", "cuda_crt"]]


def run(mirror, builders=8):
    FIG.begin("concurrency")
    store = fresh_store()
    mirror.faults(None)
    mirror.reset_stats()
    procs = []
    for i in range(builders):
        targets = [f"cudaPackages_13_0.{p}" for p in MIXES[i % len(MIXES)]]
        cmd = mirror.build_cmd(store, targets, extra=("-j", "3"))
        procs.append((targets, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                                text=True, env=ENV, cwd=WORK)))
    outputs = set()
    for targets, proc in procs:
        out, err = proc.communicate(timeout=600)
        FIG.check(proc.returncode == 0, f"builder of {targets} exited {proc.returncode}: {err}")
        outputs.update(out.split())
    FIG.counts["concurrent builders"] = builders
    counts = mirror.archive_requests()
    FIG.counts["downloads per archive"] = counts
    FIG.check(len(counts) == 3 and all(n == 1 for n in counts.values()),
              f"each archive requested once at the mirror: {counts}")
    vcode, report, err = verify(store)
    FIG.check(vcode == 0 and report and not report["problems"] and not report["databaseProblems"],
              f"store verify after concurrent builds: {vcode} {report} {err}")
    FIG.check(report is not None and report["checked"] == len(outputs),
              f"every printed path is registered: {len(outputs)} printed, {report and report['checked']} checked")
    result = integrity_check(store)
    FIG.check(result == "ok", f"PRAGMA integrity_check (python sqlite3): {result}")
    entries, leftover = temp_leftovers(store)
    FIG.check(entries == 0, f"{entries} temp entries left")
    FIG.add("bytes lost", leftover)
    FIG.end(f"{builders} builders, requests {sorted(counts.values())}")
