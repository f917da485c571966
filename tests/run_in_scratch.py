#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Runs one Python test script with a private scratch directory as TMPDIR and deletes it
afterwards, whatever the outcome, so the stores, mirrors and copies a test makes with
tempfile (several GB for the cuDNN build) never pile up in /tmp. The test's exit code is
passed through (77 = skipped). CUDAPKGS_TEST_KEEP_TMP=1 keeps the directory and says where.

Usage: run_in_scratch.py TEST.py [ARGS...]"""
import os
import shutil
import stat
import subprocess
import sys
import tempfile


def make_writable_and_retry(func, path, _exc):
    # Store paths are sealed read-only (0555 directories): open up the parent and retry.
    parent = os.path.dirname(path)
    for p in (parent, path):
        try:
            os.chmod(p, os.lstat(p).st_mode | stat.S_IWUSR | stat.S_IXUSR | stat.S_IRUSR)
        except OSError:
            pass
    func(path)


def remove_tree(path):
    shutil.rmtree(path, onerror=make_writable_and_retry)


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    scratch = tempfile.mkdtemp(prefix="cudapkgs-test-")
    env = dict(os.environ, TMPDIR=scratch)
    try:
        return subprocess.call([sys.executable, *sys.argv[1:]], env=env)
    finally:
        if os.environ.get("CUDAPKGS_TEST_KEEP_TMP") == "1":
            print(f"run_in_scratch: kept {scratch}", file=sys.stderr)
        else:
            remove_tree(scratch)


if __name__ == "__main__":
    sys.exit(main())
