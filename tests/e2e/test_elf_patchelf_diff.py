#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Differential test of `cudapkgs elf` against patchelf on the ELF files under /usr/local/cuda.

For every ELF file (no symlinks, duplicates removed) up to MAX_MB (default: no limit,
about 30 s on 2 cores for CUDA 13.0's 40 files; CUDAPKGS_ELF_DIFF_MAX_MB=N skips larger ones), two copies get the same operation, one through
cudapkgs and one through patchelf:
  * set-runpath with a path longer than any existing string (forces growth), and
  * on small libraries also a shorter set-runpath, add-needed, replace-needed, remove-needed.
Then `readelf -d` must show the same NEEDED/SONAME/RUNPATH/RPATH, `ldd` must resolve the same
sonames to the same file names, patched libraries must dlopen (python ctypes, in a child
process) whenever the original does, and the patched nvcc/ptxas/cuobjdump must run.
Exit 77 when patchelf, readelf or /usr/local/cuda is missing.
"""
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile

CUDA = os.environ.get("CUDAPKGS_CUDA_ROOT", "/usr/local/cuda")
BIN = os.environ.get("CUDAPKGS_BIN", "cudapkgs")
MAX_MB = float(os.environ.get("CUDAPKGS_ELF_DIFF_MAX_MB", "0"))
LONG = "$ORIGIN/../../0123456789abcdfghijklmnpqrsvwxyz01-placeholder-for-a-long-store-path/lib"


def elf_files():
    seen, out = set(), []
    for root, _, names in os.walk(CUDA):
        for name in sorted(names):
            p = os.path.join(root, name)
            if os.path.islink(p) or not os.path.isfile(p):
                continue
            real = os.path.realpath(p)
            if real in seen:
                continue
            seen.add(real)
            with open(p, "rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    out.append(p)
    return out


def dynamic_view(path):
    """NEEDED (in order), SONAME, RUNPATH and RPATH as readelf shows them. Where a new entry
    sits among the others differs (patchelf puts a new DT_RUNPATH first, cudapkgs after the
    existing entries) and does not matter to the loader, so entries are grouped by tag."""
    r = subprocess.run(["readelf", "-dW", path], capture_output=True, text=True)
    rows = {"NEEDED": [], "SONAME": [], "RUNPATH": [], "RPATH": []}
    for line in r.stdout.splitlines():
        m = re.search(r"\((NEEDED|SONAME|RUNPATH|RPATH)\)\s+.*?\[(.*)\]", line)
        if m:
            rows[m.group(1)].append(m.group(2))
    return rows


def ldd_view(path):
    r = subprocess.run(["ldd", path], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    out = {}
    for line in r.stdout.splitlines():
        m = re.match(r"\s*(\S+) => (.*?) \(0x", line)
        if m:
            out[m.group(1)] = os.path.basename(m.group(2))
        elif "not found" in line:
            out[line.split()[0]] = "not found"
    return out


def dlopens(path):
    code = "import ctypes,sys; ctypes.CDLL(sys.argv[1])"
    return subprocess.run([sys.executable, "-c", code, path], capture_output=True).returncode == 0


def run_op(tool, op, path):
    if tool == "cudapkgs":
        cmd = [BIN, "elf", op[0], path] + op[1:]
    else:
        flag = {"set-runpath": "--set-rpath", "add-needed": "--add-needed",
                "replace-needed": "--replace-needed", "remove-needed": "--remove-needed"}[op[0]]
        cmd = ["patchelf", flag] + op[1:] + [path]
    return subprocess.run(cmd, capture_output=True, text=True)


def operations(path, is_lib, small):
    orig_dir = os.path.dirname(path)
    ops = [["set-runpath", LONG + ":" + orig_dir + ":$ORIGIN"]]
    if small and is_lib:
        needed = dynamic_view(path)["NEEDED"]
        ops.append(["set-runpath", orig_dir])
        # A name not already there: patchelf would add a duplicate, cudapkgs skips it.
        ops.append(["add-needed", "libcudapkgs-added.so.1"])
        if needed:
            ops.append(["replace-needed", needed[-1], needed[-1]])
            ops.append(["remove-needed", needed[0]])
    return ops


def check_file(path, work):
    """Returns (failures, number of patched libraries dlopened) for one file."""
    failures = []
    dlopened = 0
    is_lib = ".so" in os.path.basename(path)
    small = os.path.getsize(path) < 8 * 1024 * 1024
    for i, op in enumerate(operations(path, is_lib, small)):
        copies = {}
        for tool in ("cudapkgs", "patchelf"):
            # The first cudapkgs copies stay (bin/ tools run later); the rest are removed.
            d = os.path.join(work, tool, str(i), os.path.relpath(os.path.dirname(path), CUDA))
            os.makedirs(d, exist_ok=True)
            copies[tool] = os.path.join(d, os.path.basename(path))
            shutil.copy2(path, copies[tool])
        ours = run_op("cudapkgs", op, copies["cudapkgs"])
        theirs = run_op("patchelf", op, copies["patchelf"])
        label = f"{path} {op[0]}"
        if (ours.returncode == 0) != (theirs.returncode == 0):
            failures.append(f"{label}: cudapkgs rc={ours.returncode} ({ours.stderr.strip()}) "
                            f"patchelf rc={theirs.returncode} ({theirs.stderr.strip()})")
            continue
        if ours.returncode != 0:
            os.remove(copies["patchelf"])
            continue  # both refuse (e.g. no dynamic section)
        a, b = dynamic_view(copies["cudapkgs"]), dynamic_view(copies["patchelf"])
        if a != b:
            failures.append(f"{label}: readelf differs:\n  cudapkgs {a}\n  patchelf {b}")
        if ldd_view(copies["cudapkgs"]) != ldd_view(copies["patchelf"]):
            failures.append(f"{label}: ldd differs")
        if is_lib and i == 0 and dlopens(path):
            if dlopens(copies["cudapkgs"]):
                dlopened += 1
            else:
                failures.append(f"{label}: patched library no longer dlopens")
        os.remove(copies["patchelf"])
        if i > 0 or os.path.basename(os.path.dirname(path)) != "bin":
            os.remove(copies["cudapkgs"])  # only bin/ copies are kept, to run them
    return failures, dlopened


def run_tools(work):
    failures = []
    for tool, args in (("nvcc", ["--version"]), ("ptxas", ["--version"]),
                       ("cuobjdump", ["--version"])):
        patched = os.path.join(work, "cudapkgs", "0", "bin", tool)
        if not os.path.exists(patched):
            print(f"  {tool}: not present under {CUDA}/bin (not run)")
            continue
        r = subprocess.run([patched] + args, capture_output=True, text=True)
        print(f"  patched {tool} {' '.join(args)}: rc={r.returncode}")
        if r.returncode != 0:
            failures.append(f"patched {tool} failed: {r.stderr.strip()}")
    return failures


def main():
    for tool in ("patchelf", "readelf", "ldd"):
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} not found")
            return 77
    if not os.path.isdir(CUDA):
        print(f"SKIP: {CUDA} not found")
        return 77
    files = elf_files()
    limit = MAX_MB * 1e6 if MAX_MB > 0 else float("inf")
    chosen = [f for f in files if os.path.getsize(f) <= limit]
    skipped = [f for f in files if f not in chosen]
    print(f"{len(files)} ELF files under {CUDA}; comparing {len(chosen)}, skipping "
          f"{len(skipped)} over the size limit (CUDAPKGS_ELF_DIFF_MAX_MB={MAX_MB:.0f})")
    for f in skipped:
        print(f"  skipped {f} ({os.path.getsize(f) / 1e6:.0f} MB)")
    failures = []
    dlopened = 0
    with tempfile.TemporaryDirectory(prefix="elf-diff-") as work:
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for result, n in pool.map(lambda f: check_file(f, work), chosen):
                failures += result
                dlopened += n
        failures += run_tools(work)
    for f in failures:
        print("FAIL:", f)
    print(f"{len(chosen)} files compared, {dlopened} patched libraries dlopened, "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
