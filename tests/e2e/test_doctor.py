#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`cudapkgs doctor`: every check reported with ok/warn/fail, the driver override, store and
mirror findings, --offline, and exit 0 whatever it finds."""

import json
import os
import shutil
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ci_fixture  # noqa: E402
import harness  # noqa: E402
import test_store_cli  # noqa: E402
from harness import check, run  # noqa: E402

NAMES = ["manifests", "driver", "compiler", "store", "mirror"]


def doctor(world, *args, env=None):
    code, out, err = run("--manifests", world.manifests, "--json", *args, "doctor",
                         env=env or world.env)
    check(code == 0, f"doctor {args}: exit {code}: {err}")
    result = json.loads(out) if code == 0 else {"checks": []}
    checks = {c["name"]: c for c in result["checks"]}
    check([c["name"] for c in result["checks"]] == NAMES, f"check names: {list(checks)}")
    for c in result["checks"]:
        check(c["status"] in ("ok", "warn", "fail"), f"status {c}")
        check(isinstance(c["summary"], str) and c["summary"], f"summary {c}")
    return result, checks


def main():
    world = ci_fixture.World()
    with open(os.path.join(world.root, "cuda", "redist", "index.html"), "w") as f:
        f.write("<html></html>\n")
    world.serve(scenario)


def scenario(world, server, url):
    env = dict(world.env, CUDAPKGS_OVERRIDE_DRIVER="12.8")
    result, checks = doctor(world, "--mirror", url, "--store", world.store, env=env)
    driver = checks.get("driver", {})
    check(driver.get("status") == "ok" and driver["details"]["cudaVersion"] == "12.8" and
          driver["details"]["source"] == "override", f"driver override: {driver}")
    check("cudaPackages_13_0" in driver.get("details", {}).get("setsNeedingNewerDriver", []),
          f"13.0 needs a newer driver than 12.8: {driver}")
    check(checks["manifests"]["status"] == "ok" and checks["manifests"]["details"]["sets"] == 1,
          f"manifests: {checks['manifests']}")
    check(checks["store"]["status"] == "ok" and checks["store"]["details"]["paths"] == 0,
          f"store: {checks['store']}")
    check(checks["mirror"]["status"] == "ok" and checks["mirror"]["details"]["status"] == 200,
          f"mirror: {checks['mirror']}")
    check(server.state.stats()["requests"].get("/cuda/redist/") == 1, "one HEAD to the index")
    compiler = checks["compiler"]
    check(compiler["status"] in ("ok", "warn"), f"compiler: {compiler}")
    if compiler["details"].get("family"):
        check("cudaPackages_13_0" in compiler["details"]["sets"], f"per-set ranges: {compiler}")

    # Without the override: whatever the host has, never a failure or a crash.
    result, checks = doctor(world, "--mirror", url)
    check(checks["driver"]["status"] in ("ok", "warn"), f"real driver probe: {checks['driver']}")

    # An unreachable mirror fails the check, not the command; --offline skips it.
    result, checks = doctor(world, "--mirror", "http://127.0.0.1:1")
    check(checks["mirror"]["status"] == "fail", f"unreachable mirror: {checks['mirror']}")
    check(result["status"] == "fail", "overall status is the worst check")
    server.state.reset_stats()
    result, checks = doctor(world, "--mirror", url, "--offline")
    check(checks["mirror"]["details"]["skipped"] is True, f"--offline: {checks['mirror']}")
    check(server.state.stats()["requests"] == {}, "--offline contacted the mirror")

    # A store path that is a file cannot be opened: fail.
    bogus = world.path("not-a-store")
    open(bogus, "w").close()
    result, checks = doctor(world, "--mirror", url, "--store", bogus)
    check(checks["store"]["status"] == "fail", f"bogus store: {checks['store']}")

    # A registered path whose directory vanished: fail, naming the count.
    store = world.path("broken-store")
    run("--store", store, "store", "ls", env=world.env)
    db = sqlite3.connect(os.path.join(store, ".cudapkgs", "db.sqlite"))
    gone = test_store_cli.make_path(store, db, "gone-1.0", {"a": "x"})
    test_store_cli.make_path(store, db, "kept-1.0", {"a": "y"})
    db.close()
    shutil.rmtree(os.path.join(store, gone))
    result, checks = doctor(world, "--mirror", url, "--store", store)
    details = checks["store"]["details"]
    check(checks["store"]["status"] == "fail" and details["paths"] == 2 and details["broken"] == 1,
          f"broken store: {checks['store']}")

    # Bad manifests: reported as a failed check, exit still 0.
    code, out, err = run("--manifests", world.path("nope"), "--mirror", url, "doctor",
                         env=world.env)
    check(code == 0 and "[fail] manifests" in out, f"missing manifests: {code} {out} {err}")


if __name__ == "__main__":
    main()
