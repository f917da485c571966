# SPDX-License-Identifier: Apache-2.0
"""The fault-injecting mirror's whole matrix, two archives (cudart, crt) downloaded in parallel."""
import os
import shutil
import time

import mirror_server
from common import FIG, base_env, fresh_store, registered, store_entries, temp_leftovers, verify

# (mode, fault object, expected exit code, what must be true of the mirror's request log)
MATRIX = [
    ("500 then OK", {"mode": "500", "count": 1}, 0, "retried"),
    ("reset mid-body", {"mode": "reset", "count": 1}, 0, "resumed"),
    ("truncated body", {"mode": "truncate", "count": 1}, 0, "resumed"),
    ("404 everywhere", {"mode": "404"}, 4, None),
    ("corrupt bytes", {"mode": "corrupt"}, 5, None),
    ("slow past timeout", {"mode": "slow", "rate": 64}, 4, None),
    ("no Range, stale .part", {"mode": "norange"}, 0, "part"),
    ("redirect to a 2nd mirror", None, 0, None),
]
# cccl's archive unpacks to thousands of headers; leaving it out keeps this section fetch-bound.
TARGETS = ["cudaPackages_13_0.cuda_cudart", "cudaPackages_13_0.cuda_crt"]
SLOW_ENV = base_env(CUDAPKGS_FETCH_RETRIES="2", CUDAPKGS_LOW_SPEED_LIMIT="1000", CUDAPKGS_LOW_SPEED_TIME="2")


def seed_parts(mirror, store):
    """Writes the first third of each archive as its .part download (an earlier interrupted run)."""
    downloads = os.path.join(store, ".cudapkgs", "downloads")
    os.makedirs(downloads, exist_ok=True)
    for pkg, (rel, sha, size) in mirror.archives().items():
        if f"cudaPackages_13_0.{pkg}" not in TARGETS:
            continue
        with open(os.path.join(mirror.root, "cuda", "redist", rel), "rb") as f:
            data = f.read(size // 3)
        with open(os.path.join(downloads, f"{sha[:16]}-{os.path.basename(rel)}.part"), "wb") as f:
            f.write(data)


def check_log(mirror, name, expect):
    stats = mirror.stats()
    archives = {p: n for p, n in stats["requests"].items() if p.endswith(".tar.xz")}
    ranges = {p: r for p, r in stats["ranges"].items() if p.endswith(".tar.xz")}
    if expect == "retried":
        FIG.check(len(archives) == len(TARGETS) and all(n >= 2 for n in archives.values()),
                  f"{name}: every archive requested again after the fault: {archives}")
    elif expect == "resumed":
        FIG.check(all(any(h and h.startswith("bytes=") for h in r) for r in ranges.values()),
                  f"{name}: every archive resumed with a Range request: {ranges}")
    elif expect == "part":
        FIG.check(all(r[0] and r[0].startswith("bytes=") for r in ranges.values()),
                  f"{name}: the .part was offered for resume: {ranges}")


def one(mirror, name, fault, expected, expect, second):
    store = fresh_store()
    mirror.reset_stats()
    if fault is None:  # every archive answers 302 to the same path on a second server
        mirror.faults({f"/cuda/redist/{rel}": {"mode": "redirect", "location": f"{second}/cuda/redist/{rel}"}
                       for rel, _, _ in mirror.archives().values()})  # (cccl's is never asked for)
    else:
        mirror.faults({"*": fault})
    if expect == "part":
        seed_parts(mirror, store)
    env = SLOW_ENV if fault and fault["mode"] == "slow" else None
    start = time.monotonic()
    code, out, err = mirror.build(store, targets=TARGETS, extra=("-j", "2"), env=env)
    seconds = time.monotonic() - start
    FIG.add("faults injected")
    first = next((line for line in err.splitlines() if line.startswith("cudapkgs: error")), "")
    print(f"   {name:26} exit {code} (expected {expected}) {seconds:5.1f}s {first[:100]}", flush=True)
    ok = FIG.check(code == expected, f"{name}: exit {code}, expected {expected}: {err}")
    if expect:
        check_log(mirror, name, expect)
    vcode, report, verr = verify(store)
    ok &= FIG.check(vcode == 0, f"{name}: verify exited {vcode}: {report} {verr}")
    half = set(store_entries(store)) - set(registered(store))
    ok &= FIG.check(not half, f"{name}: unregistered paths {half}")
    if expected != 0:
        ok &= FIG.check(not store_entries(store), f"{name}: a failed fetch left store paths {store_entries(store)}")
    else:
        ok &= FIG.check(report is not None and report["checked"] == len(out.split()), f"{name}: not all registered")
    FIG.add("bytes lost", temp_leftovers(store)[1])
    FIG.add("faults survived", bool(ok))
    shutil.rmtree(os.path.dirname(store), ignore_errors=True)


def run(mirror):
    FIG.begin("network faults (-j 2)")
    second, port = mirror_server.start(mirror.root)
    try:
        for name, fault, expected, expect in MATRIX:
            one(mirror, name, fault, expected, expect, f"http://127.0.0.1:{port}")
    finally:
        second.shutdown()
        second.server_close()
        mirror.faults(None)
    FIG.end(f"{len(MATRIX)} modes")
