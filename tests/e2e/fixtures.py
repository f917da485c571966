# SPDX-License-Identifier: Apache-2.0
"""Mirror fixtures for build tests: archives generated from the machine's CUDA install by
tests/fixtures/make_mirror.py, cached in the build tree, plus a manifests directory whose
sets.json pins cudaPackages_13_0 to the generated manifest."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from harness import BINARY_DIR, SOURCE_DIR

SMALL = ["cuda_cudart", "cuda_cccl", "cuda_crt"]


def ensure_mirror(components, name="mirror-small", extra=()):
    """Builds (or reuses) a mirror holding `components`; returns its directory."""
    out = os.path.join(BINARY_DIR, name)
    cmd = [sys.executable, os.path.join(SOURCE_DIR, "tests", "fixtures", "make_mirror.py"),
           "--out", out, "--only", ",".join(components), *extra]
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL)
    if proc.returncode == 77:
        print("SKIPPED: this test needs the real CUDA 13.0 binaries of /usr/local/cuda (label "
              "cuda-install); the synthetic-mirror tests cover the builder without them")
        sys.exit(77)
    if proc.returncode != 0:
        raise RuntimeError(f"make_mirror.py exited {proc.returncode}")
    return out


def has_cuda_install():
    """True where /usr/local/cuda holds the pip-wheel CUDA 13.0 install make_mirror.py reads."""
    return os.path.isdir("/usr/local/cuda/dist-info")


def synthetic_mirror(components, name):
    """The make_mirror.py layout (`<out>/cuda/redist/redistrib_13.0.2.json` holding only
    `components`, archives below it) from tests/fixtures/synth_mirror.py: small archives in
    NVIDIA's layout with the real sonames, for machines without a CUDA install."""
    out = os.path.join(BINARY_DIR, name + "-synthetic")
    src = tempfile.mkdtemp(prefix="synth-src-")
    os.makedirs(os.path.join(src, "cuda"))
    with open(os.path.join(SOURCE_DIR, "manifests", "cuda", "redistrib_13.0.2.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    manifest = {k: v for k, v in manifest.items() if k.startswith("release_") or k in components}
    with open(os.path.join(src, "cuda", "redistrib_13.0.2.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
    subprocess.run([sys.executable, os.path.join(SOURCE_DIR, "tests", "fixtures", "synth_mirror.py"),
                    "--manifests", src, "--out", out, "--products", "cuda", "--platforms", "linux-x86_64"],
                   check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(src, ignore_errors=True)
    shutil.copy(os.path.join(out, "manifests", "cuda", "redistrib_13.0.2.json"),
                os.path.join(out, "cuda", "redist", "redistrib_13.0.2.json"))
    return out


def small_mirror(components, name):
    """Real archives from the CUDA install where there is one, else synthetic ones (same
    packages, versions and sonames); returns (mirror directory, True when synthetic)."""
    if has_cuda_install():
        return ensure_mirror(components, name), False
    return synthetic_mirror(components, name), True


def manifests_for(mirror, products=("cuda",)):
    """A manifests directory using the mirror's manifests, pinned as cudaPackages_13_0."""
    d = tempfile.mkdtemp(prefix="cudapkgs-manifests-")
    pins = {"cudaPackages_13_0": {"cuda": "13.0.2"}}
    for product in products:
        src = os.path.join(mirror, product, "redist")
        os.makedirs(os.path.join(d, product))
        for f in os.listdir(src):
            if f.startswith("redistrib_") and f.endswith(".json"):
                shutil.copy(os.path.join(src, f), os.path.join(d, product, f))
                if product != "cuda":
                    pins["cudaPackages_13_0"][product] = f[len("redistrib_"):-len(".json")]
    with open(os.path.join(d, "sets.json"), "w") as f:
        json.dump({"sets": pins, "aliases": {"cudaPackages": "cudaPackages_13_0"}}, f)
    return d


def dlopen_program(workdir):
    """Compiles a C program that dlopens each argument (no LD_LIBRARY_PATH) and exits 0 when
    every one loads; returns its path."""
    src = os.path.join(workdir, "dlopen_all.c")
    with open(src, "w") as f:
        f.write('#include <dlfcn.h>\n#include <stdio.h>\n'
                'int main(int argc, char** argv) {\n'
                '  int bad = 0;\n'
                '  for (int i = 1; i < argc; ++i) {\n'
                '    if (!dlopen(argv[i], RTLD_NOW | RTLD_LOCAL)) { fprintf(stderr, "%s\\n", dlerror()); bad = 1; }\n'
                '  }\n'
                '  return bad;\n}\n')
    exe = os.path.join(workdir, "dlopen_all")
    subprocess.run(["cc", "-o", exe, src, "-ldl"], check=True)
    return exe


def shared_libraries(paths):
    """Regular .so files (not symlinks, not stubs) below the given store paths."""
    libs = []
    for root in paths:
        for dirpath, _, files in os.walk(root):
            if os.path.basename(dirpath) == "stubs":
                continue
            for name in files:
                p = os.path.join(dirpath, name)
                if ".so" in name and not os.path.islink(p):
                    with open(p, "rb") as fh:
                        if fh.read(4) == b"\x7fELF":
                            libs.append(p)
    return sorted(libs)
