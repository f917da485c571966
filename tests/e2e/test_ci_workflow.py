#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Runs the shell steps of docs/ci.md (docs/ci/steps.sh) against a local mirror: cache-key,
build, a rebuild on the restored (and relocated) store that fetches nothing, env, and the
example CMake project. A binary under test without `cudapkgs build` or `cudapkgs env` fails
(both exist; a missing one is a regression, not a reason to skip). Exits 77 only when the
fixture mirror cannot be made (no CUDA install)."""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ci_fixture  # noqa: E402
import harness  # noqa: E402
from harness import check  # noqa: E402

# cuda_nvcc on 13.0 needs cuda_crt and libnvvm; cuda_cudart's headers need cuda_cccl.
PACKAGES = ["cuda_nvcc", "cuda_cudart", "cuda_cccl", "cuda_crt", "libnvvm"]
STEPS = os.path.join(harness.SOURCE_DIR, "docs", "ci", "steps.sh")


def has_command(name):
    """Whether `cudapkgs NAME --help` shows NAME's own usage (an unknown name shows the main
    help and still exits 0, so the exit code alone says nothing)."""
    proc = subprocess.run([harness.BIN, name, "--help"], capture_output=True, text=True,
                          env=harness.clean_env())
    found = proc.returncode == 0 and f"Usage: cudapkgs {name} " in proc.stdout
    return found, "no such command" if proc.returncode == 0 else proc.stderr.strip()


def steps(step, env, cwd):
    proc = subprocess.run(["bash", STEPS, step], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=1200)
    return proc.returncode, proc.stdout, proc.stderr


def main():
    ok, why = has_command("build")
    if not ok:
        check(False, f"'cudapkgs build' is missing from {harness.BIN}: {why}")
        harness.finish()
    import fixtures  # noqa: E402
    if not fixtures.has_cuda_install():
        # The workflow compiles a CUDA project with the set's own nvcc: synthetic archives
        # have no working compiler.
        print("SKIPPED: docs/ci.md's workflow compiles with the real nvcc of /usr/local/cuda "
              "(label cuda-install)")
        sys.exit(77)
    ci_fixture.World(PACKAGES, "mirror-ci-nvcc").serve(scenario)


def scenario(world, server, url):
    bindir = os.path.dirname(os.path.abspath(harness.BIN))
    env = dict(world.env, CUDAPKGS=os.path.abspath(harness.BIN), CUDAPKGS_MIRRORS=url,
               CUDAPKGS_MANIFESTS=world.manifests, CUDAPKGS_STORE=world.store,
               BUILD_DIR=world.path("project"), PATH=bindir + os.pathsep + os.environ["PATH"])
    cwd = world.path("checkout")
    os.makedirs(cwd)
    code, out, err = steps("install", env, cwd)
    check(code == 0, f"install (cudapkgs already on PATH): {code} {err}")
    code, key1, err = steps("cache-key", env, cwd)
    check(code == 0 and key1.startswith("cudapkgs-v1-"), f"cache-key: {code} {key1} {err}")

    code, out, err = steps("build", env, cwd)
    check(code == 0, f"build: exit {code}: {err}")
    check(sum(server.state.stats()["requests"].values()) >= 1, "build fetched from the mirror")

    # The cache round trip: restore the store somewhere else; nothing is fetched again.
    restored = world.path("restored-store")
    shutil.copytree(world.store, restored, symlinks=True)
    server.state.reset_stats()
    env2 = dict(env, CUDAPKGS_STORE=restored)
    code, out, err = steps("build", env2, cwd)
    check(code == 0, f"build on the restored store: exit {code}: {err}")
    check(server.state.stats()["requests"] == {}, f"restored store refetched: {server.state.stats()}")
    code, key2, err = steps("cache-key", env2, cwd)
    check(key2 == key1, f"cache key moved with the store: {key1} vs {key2}")
    if harness._failures:
        harness.finish()

    ok, why = has_command("env")
    if not ok:
        check(False, f"build steps passed; 'cudapkgs env' is missing from {harness.BIN}: {why}")
        harness.finish()
    code, out, err = steps("all", env2, cwd)
    check(code == 0, f"steps.sh all: exit {code}: {err[-3000:]}")
    check(os.path.isfile(os.path.join(world.path("project"), "saxpy")), "example project built")


if __name__ == "__main__":
    main()
