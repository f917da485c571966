# SPDX-License-Identifier: Apache-2.0
"""Hermetic source builds: saxpy (CMake) and cublas-example (nvcc) built by
`cudapkgs build-source` from per-package trees split out of the machine's CUDA install, with
/usr/local/cuda hidden (a tmpfs over it in a private mount namespace), then checked with
cuobjdump: exactly the configured SASS architectures, PTX only for the last one and only with
forward compat. Skips (77) without nvcc, cuobjdump or a mount namespace."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import cuda_parts  # noqa: E402
from harness import BIN, BINARY_DIR, SOURCE_DIR, check, clean_env, finish, run  # noqa: E402

TOOLCHAIN = ["cuda_nvcc", "cuda_crt", "cuda_cudart", "cuda_cccl", "libnvvm"]


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(77)


def find_cuobjdump():
    found = shutil.which("cuobjdump") or os.environ.get("CUOBJDUMP")
    if found:
        return found
    # pip's nvidia-cuda-cuobjdump wheel (scripts/install-deps installs it)
    for path in sys.path:
        candidate = os.path.join(path, "nvidia", "cu13", "bin", "cuobjdump")
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def can_hide_cuda(real):
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs none '{real}'"],
                           capture_output=True)
    return probe.returncode == 0


def build(args, hide, real_cuda, env):
    """cudapkgs build-source ARGS, inside a namespace where real_cuda is an empty tmpfs."""
    cmd = [BIN, "--json", "build-source", *args]
    if hide:
        script = (f"mount -t tmpfs none '{real_cuda}' && test ! -e /usr/local/cuda/bin/nvcc "
                  "&& test ! -e /usr/local/lib/libcudart.so.13 && exec \"$@\"")
        cmd = ["unshare", "-m", "sh", "-c", script, "sh", *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    return proc.returncode, proc.stdout, proc.stderr


def archs(cuobjdump, binary, option, suffix):
    proc = subprocess.run([cuobjdump, option, binary], capture_output=True, text=True)
    text = proc.stdout + proc.stderr
    return sorted(set(re.findall(r"\.(sm_\d+[af]?)\." + suffix, text)), key=natural)


def natural(arch):
    return int(re.sub(r"\D", "", arch))


def check_binary(cuobjdump, binary, real_arches, ptx_arches, label):
    elf = archs(cuobjdump, binary, "--list-elf", "cubin")
    ptx = archs(cuobjdump, binary, "--list-ptx", "ptx")
    check(elf == real_arches, f"{label}: SASS {elf}, expected {real_arches}")
    check(ptx == ptx_arches, f"{label}: PTX {ptx}, expected {ptx_arches}")
    dyn = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True).stdout
    check("libcudart.so.13" in dyn, f"{label}: not linked against the shared libcudart")
    check("/usr/local/cuda" not in dyn, f"{label}: dynamic section mentions /usr/local/cuda")


def main():
    real_cuda = os.path.realpath(cuda_parts.CUDA_ROOT)
    if not os.path.isdir(os.path.join(real_cuda, "dist-info")) or not shutil.which("nvcc"):
        skip("no nvcc / pip-layout CUDA install on this machine")
    cuobjdump = find_cuobjdump()
    if not cuobjdump:
        skip("cuobjdump not found (pip install nvidia-cuda-cuobjdump, see scripts/install-deps)")
    hide = can_hide_cuda(real_cuda)
    if not hide:
        print("note: cannot hide /usr/local/cuda (no mount namespace); building without hiding")

    work = tempfile.mkdtemp(prefix="nvcc-build-", dir=BINARY_DIR)
    parts = cuda_parts.make_package_trees(TOOLCHAIN + ["libcublas"], os.path.join(work, "parts"))
    missing = [p for p in TOOLCHAIN + ["libcublas"] if p not in parts]
    if missing:
        skip(f"CUDA components missing from {real_cuda}: {missing}")
    env = clean_env()

    code, out, err = run("--json", "flags", "cudaPackages_13_0")
    if not check(code == 0, f"cudapkgs flags failed: {err}"):
        finish()
    defaults = [a.removeprefix("sm_") for a in json.loads(out)["realArches"]]
    defaults = [d[:-1] + "." + d[-1] for d in defaults]  # 75 -> 7.5, 121 -> 12.1
    check(defaults == ["7.5", "8.0", "8.6", "8.9", "9.0", "10.0", "10.3", "12.0", "12.1"],
          f"unexpected 13.0 defaults {defaults}")

    cases = [
        # (package, extra toolkit parts, capabilities, forward compat)
        ("saxpy", [], ["9.0"], True),
        ("saxpy", [], defaults, True),
        ("saxpy", [], ["8.6", "9.0"], False),
        ("cublas-example", ["libcublas"], ["9.0"], True),
        ("cublas-example", ["libcublas"], defaults, True),
    ]
    for i, (pkg, extra, caps, fc) in enumerate(cases):
        out_dir = os.path.join(work, f"out-{i}-{pkg}")
        args = [os.path.join(SOURCE_DIR, "packages", pkg), "-o", out_dir,
                "--build-dir", os.path.join(work, f"build-{i}"),
                "--capabilities", ",".join(caps), "--forward-compat", "true" if fc else "false"]
        for p in TOOLCHAIN + extra:
            args += ["--toolkit-part", parts[p]]
        label = f"{pkg} [{','.join(caps)}]{'' if fc else ' no-fc'}"
        code, stdout, stderr = build(args, hide, real_cuda, env)
        if not check(code == 0, f"{label}: build-source exited {code}: {stderr[-3000:]}"):
            continue
        binary = os.path.join(out_dir, "bin", pkg)
        check(os.path.isfile(binary), f"{label}: {binary} missing")
        real = [f"sm_{c.replace('.', '')}" for c in caps]
        check_binary(cuobjdump, binary, sorted(real, key=natural),
                     [real[-1]] if fc else [], label)
        log = open(out_dir + ".log").read()
        if pkg == "saxpy":
            view = os.path.join(work, f"build-{i}", "toolkit", "include")
            check(f"Found CUDAToolkit: {view}" in log,
                  f"{label}: CMake did not find the merged toolkit: {log[-2000:]}")

    # A failing compile: exit 6 with the compiler's error in the notes.
    broken = os.path.join(work, "broken")
    shutil.copytree(os.path.join(SOURCE_DIR, "packages", "cublas-example"), broken)
    with open(os.path.join(broken, "main.cu"), "a") as f:
        f.write("\nthis is not C++;\n")
    args = [broken, "-o", os.path.join(work, "out-broken"), "--capabilities", "9.0"]
    for p in TOOLCHAIN + ["libcublas"]:
        args += ["--toolkit-part", parts[p]]
    code, _, stderr = build(args, hide, real_cuda, env)
    check(code == 6, f"broken package: exit {code}, expected 6: {stderr[-2000:]}")
    check("main.cu" in stderr and "error" in stderr and "note: full log:" in stderr,
          f"broken package: the notes lack the compiler error: {stderr[-2000:]}")

    # An unsupported host compiler: exit 3 naming both versions.
    fake = os.path.join(work, "g++-99")
    with open(fake, "w") as f:
        f.write("#!/bin/sh\necho 'g++-99 (Fake) 99.1.0'\n")
    os.chmod(fake, 0o755)
    args = [os.path.join(SOURCE_DIR, "packages", "saxpy"), "-o", os.path.join(work, "out-cc"),
            "--toolkit-part", parts["cuda_nvcc"]]
    code, _, stderr = build(args, False, real_cuda, dict(env, CUDAHOSTCXX=fake))
    check(code == 3, f"unsupported compiler: exit {code}, expected 3: {stderr}")
    check("99.1.0" in stderr and "nvcc 13.0" in stderr, f"unsupported compiler: {stderr}")

    shutil.rmtree(work, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
