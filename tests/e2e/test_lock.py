#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`cudapkgs lock`, `--frozen` and `cache-key` against the fixture manifests: a fresh lock
passes, an edited archive hash in a copy of the manifests fails naming the archive, and the
cache key follows the store paths."""

import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ci_fixture  # noqa: E402
import harness  # noqa: E402
from harness import check, expect, run  # noqa: E402

ATTRS = ["cudaPackages_13_0.cuda_cudart", "cudaPackages.cuda_cccl"]


def main():
    world = ci_fixture.World()
    try:
        scenario(world)
    finally:
        world.cleanup()
    harness.finish()


def lock_args(world, manifests=None, *extra):
    return ["--manifests", manifests or world.manifests, "--store", world.store, *extra]


def scenario(world):
    env = world.env
    lock_path = world.path("cudapkgs.lock")
    code, out, err = run(*lock_args(world), "lock", *ATTRS, "-o", lock_path, env=env)
    check(code == 0, f"lock exited {code}: {err}")
    text = open(lock_path, encoding="utf-8").read()
    lock = json.loads(text)
    check(text.endswith("}\n") and text.startswith('{\n  "aliases"'), "lock: 2-space, sorted, newline")
    check(json.dumps(lock, indent=2, sort_keys=True) + "\n" == text, "lock: stable key order")
    check(lock["aliases"].get("cudaPackages") == "cudaPackages_13_0", f"aliases: {lock['aliases']}")
    check("cuda/redistrib_13.0.2.json" in lock["manifests"], f"manifests: {lock['manifests']}")
    archive = "cuda/redist/cuda_cudart/linux-x86_64/cuda_cudart-linux-x86_64-13.0.96-archive.tar.xz"
    check(archive in lock["archives"], f"archives: {list(lock['archives'])}")
    check(lock["sets"]["cudaPackages_13_0"]["forwardCompat"] in (True, False), "forwardCompat")
    check(set(lock["packages"]) == set(ATTRS), f"packages: {list(lock['packages'])}")
    check(lock["licenses"] == {"allowUnfree": False, "allowUnfreeLicenses": ["CUDA EULA"]}, "licences")

    # The lock is stable: writing it again changes nothing.
    run(*lock_args(world), "lock", *ATTRS, "-o", lock_path, env=env)
    check(open(lock_path, encoding="utf-8").read() == text, "re-lock changes the file")

    # --frozen passes for eval, list, flags and lock itself; CUDAPKGS_FROZEN=1 too.
    frozen = lock_args(world, None, "--frozen", "--lock", lock_path)
    expect([*frozen, "eval", "cudaPackages_13_0.cuda_cudart.version"], 0,
           stdout_contains="13.0.96", env=env)
    expect([*frozen, "list", "cudaPackages_13_0"], 0, env=env)
    expect([*frozen, "flags", "cudaPackages_13_0"], 0, env=env)
    expect([*frozen, "lock"], 0, stdout_contains="up to date", env=env)
    env_frozen = dict(env, CUDAPKGS_FROZEN="1")
    expect([*lock_args(world, None, "--lock", lock_path), "list"], 0, env=env_frozen)

    # The lock in the current directory is found without --lock.
    cwd_dir = world.path("project")
    os.makedirs(cwd_dir)
    shutil.copy(lock_path, os.path.join(cwd_dir, "cudapkgs.lock"))
    code, out, err = harness_run_in(cwd_dir, [*lock_args(world), "--frozen", "list"], env)
    check(code == 0, f"--frozen with ./cudapkgs.lock: exit {code}: {err}")
    empty_dir = world.path("no-lock-here")
    os.makedirs(empty_dir)
    code, out, err = harness_run_in(empty_dir, [*lock_args(world), "--frozen", "list"], env)
    check(code == 3 and "does not exist" in err, f"--frozen without a lock: {code} {err}")

    drift(world, lock, lock_path)
    cache_keys(world, lock_path)
    frozen_build(world, lock_path)


def harness_run_in(cwd, args, env):
    import subprocess
    proc = subprocess.run([harness.BIN, *args], cwd=cwd, capture_output=True, text=True, env=env)
    return proc.returncode, proc.stdout, proc.stderr


def drift(world, lock, lock_path):
    """A copy of the manifests with cuda_cudart's archive hash edited: --frozen fails."""
    edited = world.path("manifests-edited")
    shutil.copytree(world.manifests, edited)
    path = os.path.join(edited, "cuda", "redistrib_13.0.2.json")
    manifest = json.load(open(path, encoding="utf-8"))
    entry = manifest["cuda_cudart"]["linux-x86_64"]
    old = entry["sha256"]
    entry["sha256"] = "0" * 64
    json.dump(manifest, open(path, "w", encoding="utf-8"), indent=2)
    archive = entry["relative_path"]
    code, out, err = run(*lock_args(world, edited, "--frozen", "--lock", lock_path),
                         "eval", "cudaPackages_13_0.cuda_cudart.version", env=world.env)
    check(code == 3, f"frozen after an upstream change: exit {code}")
    check(f"upstream archive changed: cuda/redist/{archive} old sha256 {old} new {'0' * 64}" in err,
          f"frozen names the archive: {err}")
    check("manifest cuda/redistrib_13.0.2.json changed: sha256" in err, f"manifest drift: {err}")
    check("store path of cudaPackages_13_0.cuda_cudart" in err, f"store path drift: {err}")
    check(out == "", "nothing on stdout when frozen fails")
    # Every evaluating command honours --frozen, not only those that used to check it.
    cudart = "cudaPackages_13_0.cuda_cudart"
    for command in (["show-derivation", cudart], ["env", cudart], ["test", cudart],
                    ["features", cudart], ["cache-key", cudart], ["store", "path-info", cudart],
                    ["mirror", "sync", "--set", "cudaPackages_13_0", "--dest",
                     world.path("frozen-mirror")]):
        code, out, err = run(*lock_args(world, edited, "--frozen", "--lock", lock_path),
                             *command, env=world.env)
        check(code == 3 and "upstream archive changed" in err,
              f"--frozen {' '.join(command[:2])} after an upstream change: {code} {err}")
    check(not os.path.exists(world.path("frozen-mirror")), "a frozen mirror sync copied files")
    # Commands that evaluate nothing ignore --frozen (and never read the manifests).
    code, out, err = run(*lock_args(world, edited, "--frozen", "--lock", world.path("none.lock")),
                         "version", env=world.env)
    check(code == 0, f"--frozen version without a lock: {code} {err}")
    # Licence drift: accepting unfree licences is recorded and compared too.
    code, out, err = run(*lock_args(world, None, "--frozen", "--lock", lock_path,
                                    "--option", "allowUnfree", "true"), "list", env=world.env)
    check(code == 3 and "accepted licences changed: allowUnfree false → true" in err,
          f"licence drift: {code} {err}")
    # Capabilities drift.
    code, out, err = run(*lock_args(world, None, "--frozen", "--lock", lock_path,
                                    "--option", "cudaCapabilities", "8.9"), "list", env=world.env)
    check(code == 3 and "capabilities of cudaPackages_13_0 changed" in err,
          f"capability drift: {code} {err}")
    # lock --json reports the change when re-locking against the edited manifests.
    copy = world.path("relock.lock")
    shutil.copy(lock_path, copy)
    code, out, err = run(*lock_args(world, edited, "--json"), "lock", "-o", copy, env=world.env)
    check(code == 0, f"relock: {code} {err}")
    result = json.loads(out) if code == 0 else {}
    check(result.get("upToDate") is False and any("upstream archive changed" in c
                                                  for c in result.get("changes", [])),
          f"lock --json changes: {result}")


def cache_keys(world, lock_path):
    def key(manifests, *attrs, extra=(), store=None):
        args = ["--manifests", manifests or world.manifests, "--store", store or world.store]
        code, out, err = run(*args, *extra, "cache-key", *attrs, env=world.env)
        check(code == 0, f"cache-key: {code} {err}")
        return out.strip()

    k1 = key(None, *ATTRS)
    check(k1.startswith("cudapkgs-v1-x86_64-linux-") and "\n" not in k1, f"cache key: {k1}")
    check(key(None, *reversed(ATTRS)) == k1, "cache key depends on argument order")
    check(key(None, extra=("--lock", lock_path)) == k1, "cache key from the lock file")
    # Capabilities do not change redistributable store paths, so not the key either.
    check(key(None, *ATTRS, extra=("--option", "cudaCapabilities", "8.9")) == k1,
          "capabilities changed a redist cache key")
    # Another store directory: same key (store paths are relocatable).
    check(key(None, *ATTRS, store=world.path("other-store")) == k1, "store dir in key")
    check(key(world.path("manifests-edited"), *ATTRS) != k1, "an archive change keeps the key")
    check(key(None, "cudaPackages_13_0.cuda_cudart") != k1, "fewer packages, same key")


def frozen_build(world, lock_path):
    """`--frozen build`: passes with the lock, fails on drift before anything is fetched."""
    code, out, _ = run("build", "--help", env=world.env)
    if "Usage: cudapkgs build " not in out:
        print("note: 'cudapkgs build' not in this binary; frozen build not checked")
        return
    mirror = ["--mirror", "file://" + world.root, "--offline"]
    build = ["build", "--no-link", "--progress", "none"]
    code, out, err = run(*lock_args(world, None, "--frozen", "--lock", lock_path, *mirror), *build,
                         "cudaPackages_13_0.cuda_cudart", env=world.env)
    check(code == 0 and out.strip(), f"frozen build: exit {code}: {err}")
    edited_store = world.path("store-edited")
    code, out, err = run("--manifests", world.path("manifests-edited"), "--store", edited_store,
                         "--frozen", "--lock", lock_path, *mirror, *build,
                         "cudaPackages_13_0.cuda_cudart", env=world.env)
    check(code == 3 and "upstream archive changed" in err, f"frozen build on drift: {code} {err}")
    built = [n for n in os.listdir(edited_store) if not n.startswith(".")] \
        if os.path.isdir(edited_store) else []
    check(built == [], f"frozen build on drift built {built}")
    code, out, err = run(*lock_args(world, None, "--frozen", "--lock", lock_path, *mirror), *build,
                         "cudaPackages_13_0.cuda_crt", env=world.env)
    check(code == 3 and "cudaPackages_13_0.cuda_crt is not in the lock file" in err,
          f"frozen build of an unlocked package: {code} {err}")


if __name__ == "__main__":
    main()
