# SPDX-License-Identifier: Apache-2.0
"""`cudapkgs gpu-info`: exit 77 with the reason when no driver is found, and the devices of a
fake libcuda.so.1 (compiled here from C) given with --driver-lib-dir."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import BINARY_DIR, check, clean_env, expect, finish, run  # noqa: E402
import harness  # noqa: E402

FAKE = r"""
#include <string.h>
int cuInit(unsigned f) { (void)f; return 0; }
int cuDriverGetVersion(int* v) { *v = 13000; return 0; }
int cuDeviceGetCount(int* n) { *n = 1; return 0; }
int cuDeviceGet(int* d, int i) { *d = i; return 0; }
int cuDeviceGetName(char* s, int len, int d) { (void)d; strncpy(s, "Fake H100", (size_t)len); return 0; }
int cuDeviceGetAttribute(int* v, int attr, int d) { (void)d; *v = attr == 75 ? 9 : 0; return 0; }
int cuGetErrorString(int rc, const char** s) { (void)rc; *s = "fake"; return 0; }
"""


def main():
    work = tempfile.mkdtemp(prefix="gpu-info-", dir=BINARY_DIR)
    empty = os.path.join(work, "empty")
    os.makedirs(empty)
    env = clean_env()
    env.pop("LD_LIBRARY_PATH", None)

    code, out, err = run("gpu-info", "--driver-lib-dir", empty, env=env)
    skipped_no_driver = code == 0
    if skipped_no_driver:
        print("SKIP: this machine has a working driver; the no-driver checks cannot run")
    else:
        check(code == 77, f"no driver: exit {code}, expected 77: {err}")
        check("no usable GPU" in err, f"no driver: stderr lacks the reason: {err}")

    if not shutil.which("cc"):
        print("SKIP: no C compiler for the fake driver")
        sys.exit(77)
    fake_dir = os.path.join(work, "driver")
    os.makedirs(fake_dir)
    src = os.path.join(fake_dir, "fake.c")
    with open(src, "w") as f:
        f.write(FAKE)
    subprocess.run(["cc", "-shared", "-fPIC", "-o", os.path.join(fake_dir, "libcuda.so.1"), src],
                   check=True)
    code, out, err = run("--json", "gpu-info", "--driver-lib-dir", fake_dir, env=env)
    check(code == 0, f"fake driver: exit {code}: {err}")
    if code == 0:
        info = json.loads(out)
        check(info["usable"] and info["deviceCount"] == 1, f"fake driver: {info}")
        check(info["devices"][0] == {"ordinal": 0, "name": "Fake H100", "capability": "9.0"},
              f"fake driver: {info['devices']}")
        check(info["driverCudaVersion"] == "13.0", f"fake driver: {info}")
        check(info["driverLibrary"] == os.path.join(fake_dir, "libcuda.so.1"), f"{info}")
    expect(["gpu-info", "--driver-lib-dir", fake_dir], 0,
           stdout_contains=["driver version: 13000 (CUDA 13.0)", "0: Fake H100 (compute capability 9.0)"],
           env=env)
    shutil.rmtree(work, ignore_errors=True)
    if skipped_no_driver and not harness._failures:
        print("fake-driver checks passed; the no-driver checks were skipped")
        sys.exit(77)
    finish()


if __name__ == "__main__":
    main()
