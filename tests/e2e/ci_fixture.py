# SPDX-License-Identifier: Apache-2.0
"""A small CUDA 13.0 world for the CI-workflow tests (lock, mirror sync, manifests update,
doctor, JSON schemas): a mirror with three real archives built from /usr/local/cuda by
tests/fixtures/make_mirror.py (cached in the build tree), and a manifests directory whose only
set, cudaPackages_13_0, holds exactly those packages, so a full `mirror sync` stays small."""

import json
import os
import shutil
import subprocess
import sys
import tempfile

import harness
import mirror_server

PACKAGES = ["cuda_cccl", "cuda_crt", "cuda_cudart"]
HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_MIRROR = os.path.join(harness.SOURCE_DIR, "tests", "fixtures", "make_mirror.py")


def skip(reason):
    print(f"SKIP: {reason}", file=sys.stderr)
    sys.exit(77)


def build_mirror(packages=PACKAGES, name="mirror-ci"):
    """The cached fixture mirror (NVIDIA layout): real archives from the CUDA 13.0 install, or
    synthetic ones of the same packages (tests/fixtures/synth_mirror.py) without one."""
    import fixtures  # noqa: E402  (after harness set the paths)
    if not fixtures.has_cuda_install():
        print("note: no CUDA install here; the fixture mirror is synthetic", file=sys.stderr)
        return fixtures.synthetic_mirror(packages, name)
    out = os.path.join(harness.BINARY_DIR, name)
    proc = subprocess.run([sys.executable, MAKE_MIRROR, "--out", out, "--only", ",".join(packages)],
                          capture_output=True, text=True)
    if proc.returncode == 77:
        skip("no pip-wheel CUDA install at /usr/local/cuda for the fixture mirror")
    if proc.returncode != 0:
        raise RuntimeError(f"make_mirror.py failed: {proc.stderr}")
    return out


def write_manifests(mirror, dest, packages=PACKAGES):
    """`dest`/cuda/redistrib_13.0.2.json (the fixture's, trimmed to `packages`) and a sets.json."""
    with open(os.path.join(mirror, "cuda", "redist", "redistrib_13.0.2.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    trimmed = {k: v for k, v in manifest.items() if k.startswith("release_") or k in packages}
    os.makedirs(os.path.join(dest, "cuda"), exist_ok=True)
    with open(os.path.join(dest, "cuda", "redistrib_13.0.2.json"), "w", encoding="utf-8") as f:
        json.dump(trimmed, f, indent=2)
    sets = {"sets": {"cudaPackages_13_0": {"cuda": "13.0.2"}},
            "aliases": {"cudaPackages_13": "cudaPackages_13_0", "cudaPackages": "cudaPackages_13"}}
    with open(os.path.join(dest, "sets.json"), "w", encoding="utf-8") as f:
        json.dump(sets, f, indent=2)
    return dest


def served_mirror(mirror, dest, packages=PACKAGES):
    """A copy of the fixture's archives in NVIDIA's layout (what the HTTP server serves)."""
    redist = os.path.join(dest, "cuda", "redist")
    os.makedirs(redist, exist_ok=True)
    for pname in packages:
        shutil.copytree(os.path.join(mirror, "cuda", "redist", pname), os.path.join(redist, pname),
                        dirs_exist_ok=True)
    return dest


class World:
    """Temporary directories, the served mirror and the CLI arguments that point at them."""

    def __init__(self, packages=PACKAGES, mirror_name="mirror-ci"):
        self.packages = packages
        self.mirror_src = build_mirror(packages, mirror_name)
        self.tmp = tempfile.mkdtemp(prefix="cudapkgs-ci-e2e-")
        self.manifests = write_manifests(self.mirror_src, os.path.join(self.tmp, "manifests"),
                                         packages)
        self.root = served_mirror(self.mirror_src, os.path.join(self.tmp, "served"), packages)
        self.store = os.path.join(self.tmp, "store")
        # The fixture packages are under the CUDA EULA: accept exactly that licence.
        self.config = os.path.join(self.tmp, "config.json")
        with open(self.config, "w", encoding="utf-8") as f:
            json.dump({"allowUnfreeLicenses": ["CUDA EULA"]}, f)
        self.env = harness.clean_env(CUDAPKGS_FETCH_BACKOFF_MS=10, CUDAPKGS_FETCH_RETRIES=2,
                                     CUDAPKGS_CONFIG=self.config)

    def args(self, mirror_url, *extra):
        return ["--manifests", self.manifests, "--store", self.store, "--mirror", mirror_url,
                *extra]

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def serve(self, scenario):
        """Serves the mirror over HTTP on 127.0.0.1, runs scenario(world, server, url), then
        stops the server, removes the directories and reports the checks (harness.finish)."""
        server, port = mirror_server.start(self.root)
        try:
            scenario(self, server, f"http://127.0.0.1:{port}")
        finally:
            server.shutdown()
            server.server_close()
            self.cleanup()
        harness.finish()
