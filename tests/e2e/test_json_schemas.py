#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Runs every command with --json and validates its output against tests/e2e/schemas (the
shapes docs/json.md documents), plus the lock file and the --progress json events. The
validator itself is checked first, so a schema that accepts anything cannot pass silently."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ci_fixture  # noqa: E402
import harness  # noqa: E402
import json_schema  # noqa: E402
import test_cdi  # noqa: E402
import test_store_cli  # noqa: E402
from harness import check, run  # noqa: E402

validated = set()


def validate(name, value, label):
    problems = json_schema.errors(value, json_schema.load(name))
    check(not problems, f"{label} does not match schemas/{name}.json: {problems[:5]}")
    validated.add(name)


def run_json(name, *args, env, expect=0):
    code, out, err = run(*args, env=env)
    label = "cudapkgs " + " ".join(map(str, args))
    check(code == expect, f"{label}: exit {code}: {err.strip()[:800]}")
    try:
        value = json.loads(out)
    except ValueError:
        check(False, f"{label}: stdout is not JSON: {out[:300]!r}")
        return None
    validate(name, value, label)
    return value


def self_test():
    """The validator rejects what it must (else every later check would be vacuous)."""
    schema = json_schema.load("mirror-sync")
    check(json_schema.errors({}, schema), "validator accepted {} for mirror-sync")
    check(json_schema.errors([], json_schema.load("doctor")), "validator accepted a list")
    bad = {"checks": [{"name": "driver", "status": "maybe", "summary": "", "details": {}}],
           "status": "ok"}
    check(json_schema.errors(bad, json_schema.load("doctor")), "validator accepted a bad enum")
    check(json_schema.errors({"version": True}, json_schema.load("version")),
          "validator accepted a boolean as a string")
    for name in os.listdir(json_schema.SCHEMA_DIR):
        with open(os.path.join(json_schema.SCHEMA_DIR, name), encoding="utf-8") as f:
            check(isinstance(json.load(f), dict), f"schemas/{name} is an object")


def main():
    self_test()
    world = ci_fixture.World()
    try:
        evaluation(world)
        ci_commands(world)
        store_commands(world)
        file_commands(world)
    finally:
        world.cleanup()
    expected = {n[:-5] for n in os.listdir(json_schema.SCHEMA_DIR)}
    check(validated == expected, f"schemas never exercised: {sorted(expected - validated)}")
    harness.finish()


def evaluation(world):
    env, m = world.env, ["--manifests", world.manifests, "--store", world.store]
    run_json("version", "version", "--json", env=env)
    run_json("list-sets", *m, "--json", "list", env=env)
    run_json("list-packages", *m, "--json", "list", "cudaPackages_13_0", env=env)
    run_json("eval-package", *m, "eval", "cudaPackages_13_0.cuda_cudart", env=env)
    run_json("flags", *m, "--json", "flags", "cudaPackages_13_0", env=env)
    lock_path = world.path("cudapkgs.lock")
    run_json("lock", *m, "--json", "lock", "cudaPackages.cuda_cudart", "-o", lock_path, env=env)
    with open(lock_path, encoding="utf-8") as f:
        validate("lock-file", json.load(f), "cudapkgs.lock")
    run_json("lock", *m, "--json", "--frozen", "--lock", lock_path, "lock", env=env)
    run_json("cache-key", *m, "--json", "cache-key", "cudaPackages_13_0.cuda_cccl", env=env)
    run_json("show-derivation", *m, "--json", "show-derivation", "cudaPackages_13_0.cuda_cccl",
             env=env)
    mirror = ["--mirror", "file://" + world.root]
    run_json("build-dry-run", *m, *mirror, "--json", "build", "--dry-run",
             "cudaPackages_13_0.cuda_crt", env=env)
    run_json("build", *m, *mirror, "--json", "build", "--no-link", "--progress", "none",
             "cudaPackages_13_0.cuda_crt", env=env)
    # --keep-going with two failures: one JSON entry per failure, exit code of the worst.
    failing = ["--manifests", world.manifests, "--store", world.path("failing-store"),
               "--mirror", "file://" + world.path("no-such-mirror"), "--offline"]
    failures = run_json("build-failures", *failing, "--json", "build", "--no-link", "--keep-going",
                        "--progress", "none", "cudaPackages_13_0.cuda_crt",
                        "cudaPackages_13_0.cuda_cccl", env=env, expect=4)
    check(failures is not None and len(failures) == 2, f"two failures reported: {failures}")
    code, _, err = run(*failing, "build", "--no-link", "--keep-going", "--progress", "none",
                       "cudaPackages_13_0.cuda_crt", "cudaPackages_13_0.cuda_cccl", env=env)
    check(code == 4 and err.count("error:") == 3 and "2 packages failed to build" in err,
          f"--keep-going prints a summary and one block per failure: {code} {err}")


def ci_commands(world):
    env, m = world.env, ["--manifests", world.manifests, "--store", world.store]
    dest = world.path("synced")
    mirror = "file://" + world.root
    code, out, err = run(*m, "--mirror", mirror, "--json", "mirror", "sync", "--set",
                         "cudaPackages_13_0", "--dest", dest, "--progress", "json", env=env)
    check(code == 0, f"mirror sync: {code} {err[-500:]}")
    validate("mirror-sync", json.loads(out) if code == 0 else {}, "mirror sync --json")
    events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    check(len(events) >= 3, f"progress events: {len(events)}")
    for e in events:
        validate("progress-event", e, "a --progress json event")
    empty = world.path("manifests-new")
    os.makedirs(empty)
    update = run_json("manifests-update", "--mirror", "file://" + dest, "--json", "manifests",
                      "update", "--product", "cuda", "--dest", empty, env=env)
    check(update and len(update["added"]) == 1, f"manifests update added: {update}")
    run_json("doctor", *m, "--mirror", mirror, "--json", "doctor", env=env)


def store_commands(world):
    store = world.path("schema-store")
    run("--store", store, "store", "ls", env=world.env)  # creates the store
    db = sqlite3.connect(os.path.join(store, ".cudapkgs", "db.sqlite"))
    dep = test_store_cli.make_path(store, db, "dep-1.0", {"a": "dep"})
    top = test_store_cli.make_path(store, db, "top-1.0", {"a": "top"}, [dep])
    db.close()
    s = ["--store", store, "--json", "store"]
    run_json("store-ls", *s, "ls", env=world.env)
    run_json("store-path-info", *s, "path-info", top, env=world.env)
    run_json("store-verify", *s, "verify", env=world.env)
    run_json("store-gc", *s, "gc", "--dry-run", env=world.env)


def file_commands(world):
    env = world.env
    archive = os.path.join(world.root, "cuda", "redist", "cuda_crt")
    rel = next(os.path.join(d, f) for d, _, files in os.walk(archive) for f in files)
    with open(rel, "rb") as f:
        data = f.read()
    run_json("fetch", "--json", "fetch", "file://" + rel, "--sha256",
             hashlib.sha256(data).hexdigest(), "--size", len(data), "-o", world.path("f.tar.xz"),
             "--progress", "none", env=env)
    elf = world.path("prog")
    if shutil.which("cc"):
        with open(elf + ".c", "w") as f:
            f.write("int main(void) { return 0; }\n")
        subprocess.run(["cc", "-o", elf, elf + ".c"], check=True)
    else:
        shutil.copy("/bin/true", elf)
    run_json("elf-show", "--json", "elf", "show", elf, env=env)
    run_json("elf-edit", "--json", "elf", "set-runpath", elf, "$ORIGIN/../lib", env=env)
    run_json("check", "--json", "check", elf, env=env)
    root = world.path("cdi-root")
    test_cdi.make_tree(root)
    spec = world.path("cdi", "nvidia.json")
    roots = ["--dev-root", root, "--driver-root", root]
    run_json("cdi-generate", "--json", "cdi", "generate", *roots, "--no-nvml", "--output", spec,
             env=env)
    run_json("cdi-list", "--json", "cdi", "list", "--spec", spec, env=env)


if __name__ == "__main__":
    main()
