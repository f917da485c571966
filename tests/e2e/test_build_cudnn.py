# SPDX-License-Identifier: Apache-2.0
"""End-to-end, large: build cuda_cudart, libcublas and cudnn for CUDA 13.0 from a local mirror
generated from the machine's CUDA install (cuBLAS and cuDNN 9.19 archives, cached in the build
tree), then load every built shared library without LD_LIBRARY_PATH, `check` every output,
and load cuDNN again from a copy of the store in another directory."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from fixtures import dlopen_program, ensure_mirror, manifests_for, shared_libraries  # noqa: E402
from harness import check, clean_env, finish, run  # noqa: E402

if not os.path.isdir("/usr/local/cuda/dist-info"):
    print("no CUDA install to make fixtures from; skipping")
    sys.exit(77)

mirror = ensure_mirror(["cuda_cudart", "libcublas", "cudnn", "cuda_nvrtc"], name="mirror-big",
                       extra=["--all"])
manifests = manifests_for(mirror, products=("cuda", "cudnn"))
store = os.path.join(tempfile.mkdtemp(prefix="cudapkgs-e2e-big-"), "store")
env = clean_env(CUDAPKGS_ALLOW_UNFREE="1")
targets = ["cudaPackages_13_0.cuda_cudart", "cudaPackages_13_0.libcublas", "cudaPackages_13_0.cudnn"]
rc, out, err = run("--manifests", manifests, "--mirror", f"file://{mirror}", "--store", store, "-j", "2",
                   "build", "--no-link", "--progress", "plain", *targets, env=env, timeout=1800)
check(rc == 0, f"build failed ({rc}): {err[-3000:]}")
paths = out.split()
print("\n".join(paths))
check(any("-cudnn-9.19.0.56-lib" in p for p in paths), "cudnn lib output printed")

all_outputs = [os.path.join(store, p) for p in os.listdir(store) if not p.startswith(".")]
libs = shared_libraries(all_outputs)
exe = dlopen_program(tempfile.mkdtemp())
proc = subprocess.run([exe, *libs], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
check(proc.returncode == 0, f"dlopen of {len(libs)} libraries: {proc.stderr[-2000:]}")
print(f"dlopen: {len(libs)} shared libraries loaded")
cudnn_lib = next(p for p in all_outputs if p.endswith("-cudnn-9.19.0.56-lib"))
runpath = subprocess.run(["readelf", "-d", os.path.join(cudnn_lib, "lib", "libcudnn_engines_precompiled.so.9")],
                         capture_output=True, text=True).stdout
check("$ORIGIN/../../" in runpath and "libcublas" in runpath,
      f"cuDNN's RUNPATH reaches cuBLAS (which it dlopens) relatively: {runpath}")

for p in all_outputs:
    rc, out, err = run("check", p, env=env)
    check(rc == 0, f"check {p}: {out[-1500:]}{err}")

rc, out, err = run("--store", store, "store", "verify", env=env)
check(rc == 0, f"store verify: {out}{err}")

moved = os.path.join(tempfile.mkdtemp(), "elsewhere")
shutil.copytree(store, moved, symlinks=True)
cudnn_libs = [p.replace(store, moved) for p in libs if "-cudnn-" in p]
proc = subprocess.run([exe, *cudnn_libs], capture_output=True, text=True)
check(proc.returncode == 0, f"cuDNN loads from a moved store: {proc.stderr[-2000:]}")
finish()
