#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Errors the machine causes are exit 7 with a note naming the path and the fix, not exit 1:
a store on a read-only bind mount (a private mount namespace, as root), a cache directory the
user cannot write (a non-root user through setpriv), a store below a regular file."""
import os
import shutil
import subprocess
import sys
import tempfile

import harness
from harness import BIN, check, clean_env, expect


def as_root_in_namespace(script, env):
    """Runs a shell script in a private mount namespace; (exit code, stdout, stderr)."""
    proc = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-ec", script],
                          capture_output=True, text=True, env=env, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def main():
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("setpriv") is None:
        print("SKIPPED: needs root, unshare and setpriv (util-linux) for mount namespaces and other users")
        return 77
    work = tempfile.mkdtemp(prefix="env-errors-")
    os.chmod(work, 0o755)
    env = clean_env()

    # 1. A store on a read-only file system.
    store = os.path.join(work, "store")
    expect(["--store", store, "store", "verify"], 0, env=env)  # creates the store
    script = (f"mount --bind {store} {store} && mount -o remount,ro,bind {store} && "
              f"exec {BIN} --store {store} store gc")
    code, out, err = as_root_in_namespace(script, env)
    if "mount:" in err and code != 7:
        print(f"SKIPPED: cannot make a read-only bind mount here: {err.strip()}")
        return 77
    check(code == 7, f"store gc on a read-only store: exit {code}, want 7: {err}")
    check("Read-only file system" in err and store in err, f"the error names the path and the cause: {err}")
    check("note:" in err and "--store" in err, f"the note says what to do: {err}")

    # 2. A cache home the user cannot write: the default store cannot be created.
    locked = os.path.join(work, "root-only")
    os.mkdir(locked, 0o755)
    nobody_env = dict(env, XDG_CACHE_HOME=locked, HOME=locked)
    proc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", BIN, "store", "verify"],
                          capture_output=True, text=True, env=nobody_env, timeout=60)
    check(proc.returncode == 7, f"store verify with an unwritable XDG_CACHE_HOME: exit {proc.returncode}, want 7: "
                                f"{proc.stderr}")
    check("Permission denied" in proc.stderr and locked in proc.stderr, f"names the directory: {proc.stderr}")
    check("uid 65534" in proc.stderr, f"names the user: {proc.stderr}")

    # 3. A store whose parent is a regular file.
    plain = os.path.join(work, "plain-file")
    with open(plain, "w") as f:
        f.write("x")
    expect(["--store", os.path.join(plain, "store"), "store", "verify"], 7,
           stderr_contains=["Not a directory", "note:"], env=env)

    # Exit 1 stays for bugs: none of the above may say "internal error".
    shutil.rmtree(work, ignore_errors=True)
    return harness.finish()


if __name__ == "__main__":
    sys.exit(main())
