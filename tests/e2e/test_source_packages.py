# SPDX-License-Identifier: Apache-2.0
"""End-to-end: source packages built by `cudapkgs build` with the set's own toolchain (from a
local mirror), with /usr/local/cuda hidden; exactly the configured architectures; changing
capabilities rebuilds only saxpy; `env` gives a working nvcc and a CMake toolchain; `test`
exits 77 without a GPU."""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from fixtures import SMALL, ensure_mirror, manifests_for  # noqa: E402
from harness import BIN, check, clean_env, finish, run  # noqa: E402
from test_nvcc_build import can_hide_cuda, check_binary, find_cuobjdump  # noqa: E402

if not os.path.isdir("/usr/local/cuda/dist-info"):
    print("SKIP: no CUDA install to make fixtures from")
    sys.exit(77)
cuobjdump = find_cuobjdump()
if not cuobjdump:
    print("SKIP: cuobjdump not found (scripts/install-deps installs it from PyPI)")
    sys.exit(77)

mirror = ensure_mirror(SMALL + ["cuda_nvcc", "libnvvm"], name="mirror-nvcc")
manifests = manifests_for(mirror)
store = os.path.join(tempfile.mkdtemp(prefix="cudapkgs-e2e-src-"), "store")
env = clean_env(CUDAPKGS_ALLOW_UNFREE="1")
common = ["--manifests", manifests, "--mirror", f"file://{mirror}", "--store", store]
real_cuda = os.path.realpath("/usr/local/cuda")
hide = can_hide_cuda(real_cuda)


def cudapkgs(*args, hidden=False):
    cmd = [BIN, *common, *args]
    if hidden and hide:
        script = (f"mount -t tmpfs none '{real_cuda}' && test ! -e /usr/local/cuda/bin/nvcc "
                  "&& exec \"$@\"")
        cmd = ["unshare", "-m", "sh", "-c", script, "sh", *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1200)
    return proc.returncode, proc.stdout, proc.stderr


def store_names():
    return {p for p in os.listdir(store) if not p.startswith(".")}


print(f"/usr/local/cuda hidden during builds: {hide}")
rc, out, err = cudapkgs("build", "--no-link", "pkgsForCudaArch.sm_90.cudaPackages_13_0.saxpy", hidden=True)
check(rc == 0, f"saxpy for sm_90: {err[-3000:]}")
sm90 = out.split()[-1] if rc == 0 else ""
if rc == 0:
    check_binary(cuobjdump, os.path.join(sm90, "bin", "saxpy"), ["sm_90"], [], "sm_90 saxpy")
before = store_names()

rc, out, err = cudapkgs("build", "--no-link", "cudaPackages_13_0.saxpy", hidden=True)
check(rc == 0, f"saxpy for the 13.0 defaults: {err[-3000:]}")
if rc == 0:
    defaults = ["sm_75", "sm_80", "sm_86", "sm_89", "sm_90", "sm_100", "sm_103", "sm_120", "sm_121"]
    check_binary(cuobjdump, os.path.join(out.split()[-1], "bin", "saxpy"), defaults, ["sm_121"],
                 "default saxpy")
added = store_names() - before
check(len(added) == 1 and all("-saxpy-" in p for p in added),
      f"changing capabilities rebuilt saxpy and nothing else: {sorted(added)}")

rc, out, err = run("eval", "pkgsForCudaArch.sm_90.cudaPackages_13_0.cublas-example.dependencies", env=env)
check(rc == 0 and "libcublas" in out, f"cublas-example depends on the set's cuBLAS: {out}{err}")

rc, out, err = cudapkgs("test", "pkgsForCudaArch.sm_90.cudaPackages_13_0.saxpy")
check(rc == 77 and "no usable GPU" in err, f"test without a GPU exits 77: {rc} {err}")

# env: a clean shell compiles and links a CUDA program with the store's nvcc.
rc, out, err = cudapkgs("env", "cudaPackages_13_0.cuda_nvcc", "cudaPackages_13_0.cuda_cudart")
check(rc == 0 and "CUDAToolkit_ROOT" in out, f"env: {err}")
work = tempfile.mkdtemp()
with open(os.path.join(work, "env.sh"), "w") as f:
    f.write(out)
with open(os.path.join(work, "k.cu"), "w") as f:
    f.write("#include <cstdio>\n__global__ void k(int* p) { *p = 1; }\n"
            "int main() { int* d; cudaMalloc(&d, 4); k<<<1, 1>>>(d); std::puts(\"ran\"); }\n")
script = f". {work}/env.sh && command -v nvcc && nvcc -arch=sm_90 -cudart shared -o {work}/k {work}/k.cu"
proc = subprocess.run(["env", "-i", "HOME=/tmp", "PATH=/usr/bin:/bin", "bash", "-c", script],
                      capture_output=True, text=True, timeout=600)
check(proc.returncode == 0 and store in proc.stdout, f"nvcc from the env compiles: {proc.stdout}{proc.stderr}")

# env --format cmake: a find_package(CUDAToolkit) project configures and builds with it alone.
rc, out, err = cudapkgs("env", "--format", "cmake", "-o", os.path.join(work, "toolchain.cmake"),
                        "cudaPackages_13_0.cuda_nvcc", "cudaPackages_13_0.cuda_cudart", "cudaPackages_13_0.cuda_cccl")
check(rc == 0, f"env --format cmake: {err}")
proj = os.path.join(work, "proj")
os.makedirs(proj)
with open(os.path.join(proj, "CMakeLists.txt"), "w") as f:
    f.write("cmake_minimum_required(VERSION 3.22)\nproject(p LANGUAGES CXX CUDA)\n"
            "find_package(CUDAToolkit REQUIRED)\nadd_executable(k k.cu)\n"
            "target_link_libraries(k CUDA::cudart)\n")
os.rename(os.path.join(work, "k.cu"), os.path.join(proj, "k.cu"))
proc = subprocess.run(["env", "-i", "HOME=/tmp", "PATH=/usr/bin:/bin", "bash", "-c",
                       f"cmake -S {proj} -B {proj}/build -C {work}/toolchain.cmake -G Ninja >/dev/null && "
                       f"cmake --build {proj}/build && grep -q {store} {proj}/build/CMakeCache.txt"],
                      capture_output=True, text=True, timeout=900)
check(proc.returncode == 0, f"CMake project with the cmake env file: {proc.stdout[-2000:]}{proc.stderr[-2000:]}")
finish()
