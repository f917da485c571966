#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`cudapkgs elf` and `cudapkgs check` exit codes and output on compiled programs and on the
malformed corpus (every file: exit 5 with the file named)."""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

BIN = os.environ.get("CUDAPKGS_BIN", "cudapkgs")
SRC = os.environ.get("CUDAPKGS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))


def cudapkgs(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True)


def compile_project(d):
    with open(os.path.join(d, "foo.c"), "w") as f:
        f.write("int foo(void) { return 42; }\n")
    with open(os.path.join(d, "main.c"), "w") as f:
        f.write("int foo(void);\nint main(void) { return foo(); }\n")
    subprocess.run("cc -shared -fPIC -Wl,-soname,libfoo.so -o libfoo.so foo.c && "
                   "cc -o main main.c -L. -lfoo", shell=True, cwd=d, check=True)


def main():
    if shutil.which("cc") is None:
        print("SKIP: no C compiler")
        return 77
    corpus = sorted(glob.glob(os.path.join(SRC, "tests/data/elf/invalid/*.elf")))
    assert len(corpus) >= 15, corpus
    with tempfile.TemporaryDirectory() as scratch:
        for path in corpus:
            r = cudapkgs("elf", "show", path)
            assert r.returncode == 5, (path, r.returncode, r.stderr)
            assert os.path.basename(path) in r.stderr and "malformed ELF" in r.stderr, r.stderr
            copy = shutil.copy(path, scratch)  # a rewrite must never touch the checked-in file
            r = cudapkgs("elf", "set-runpath", copy, "$ORIGIN")
            assert r.returncode == 5, (path, r.returncode, r.stderr)
            with open(path, "rb") as a, open(copy, "rb") as b:
                assert a.read() == b.read(), f"{copy} was modified"
    print(f"{len(corpus)} malformed files: exit 5 each")

    with tempfile.TemporaryDirectory() as d:
        compile_project(d)
        os.makedirs(os.path.join(d, "lib"))
        os.rename(os.path.join(d, "libfoo.so"), os.path.join(d, "lib", "libfoo.so"))
        r = cudapkgs("check", d)
        assert r.returncode == 3 and "libfoo.so => missing" in r.stdout, (r.returncode, r.stdout)
        r = cudapkgs("elf", "set-runpath", os.path.join(d, "main"), "$ORIGIN/lib")
        assert r.returncode == 0, r.stderr
        assert subprocess.run([os.path.join(d, "main")]).returncode == 42
        r = cudapkgs("check", "--json", d)
        assert r.returncode == 0, r.stdout
        files = {os.path.basename(x["path"]): x for x in json.loads(r.stdout)}
        needed = {n["soname"]: n for n in files["main"]["needed"]}
        assert needed["libfoo.so"]["via"] == "runpath", needed
        r = cudapkgs("elf", "add-needed", os.path.join(d, "main"), "libcuda.so.1")
        assert r.returncode == 0, r.stderr
        r = cudapkgs("check", "--json", os.path.join(d, "main"))
        statuses = {n["soname"]: n["status"] for n in json.loads(r.stdout)[0]["needed"]}
        assert statuses["libcuda.so.1"] in ("driver", "found"), statuses
        r = cudapkgs("elf", "show", "--json", os.path.join(d, "main"), "/bin/sh")
        shown = json.loads(r.stdout)
        assert r.returncode == 0 and shown[0]["runpath"] == "$ORIGIN/lib", shown
        assert shown[0]["needed"][0] == "libcuda.so.1", shown
        # A named file that is not ELF is refused, as readelf and patchelf refuse it (exit 5).
        for argv in (("elf", "set-runpath", os.path.join(d, "foo.c"), "x"),
                     ("elf", "show", os.path.join(d, "foo.c")),
                     ("check", os.path.join(d, "foo.c"))):
            r = cudapkgs(*argv)
            assert r.returncode == 5 and "not an ELF file" in r.stderr, (argv, r.returncode,
                                                                         r.stderr)
        r = cudapkgs("elf", "set-runpath", os.path.join(d, "missing"), "x")
        assert r.returncode == 3, (r.returncode, r.stderr)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
