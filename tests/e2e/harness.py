# SPDX-License-Identifier: Apache-2.0
"""Shared helpers for end-to-end tests: run the real cudapkgs binary and check results."""
import json
import os
import subprocess
import sys
import tempfile

BIN = os.environ.get("CUDAPKGS_BIN", "cudapkgs")
SOURCE_DIR = os.environ.get("CUDAPKGS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY_DIR = os.environ.get("CUDAPKGS_TEST_BINARY_DIR", tempfile.gettempdir())

_failures = []


def clean_env(**extra):
    """An environment without the user's cudapkgs settings, with a private config/cache home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUDAPKGS_") or k in ("CUDAPKGS_BIN",)}
    home = tempfile.mkdtemp(prefix="cudapkgs-e2e-home-")
    env["XDG_CONFIG_HOME"] = os.path.join(home, "config")
    env["XDG_CACHE_HOME"] = os.path.join(home, "cache")
    env["NO_COLOR"] = "1"
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run(*args, env=None, input=None, timeout=600):
    """Runs cudapkgs; returns (exit code, stdout, stderr)."""
    proc = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True,
                          env=env if env is not None else clean_env(), input=input, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def run_json(*args, env=None):
    rc, out, err = run(*args, env=env)
    check(rc == 0, f"cudapkgs {' '.join(map(str, args))} exited {rc}: {err}")
    return json.loads(out) if rc == 0 else None


def check(condition, message):
    if not condition:
        _failures.append(message)
        print(f"FAIL: {message}", file=sys.stderr)
    return condition


def expect(args, rc, stderr_contains=(), stdout_contains=(), env=None):
    """Runs cudapkgs and checks the exit code and fragments of its output."""
    code, out, err = run(*args, env=env)
    label = "cudapkgs " + " ".join(map(str, args))
    check(code == rc, f"{label}: exit {code}, expected {rc}; stderr: {err.strip()}")
    for fragment in ([stderr_contains] if isinstance(stderr_contains, str) else stderr_contains):
        check(fragment in err, f"{label}: stderr lacks {fragment!r}: {err.strip()}")
    for fragment in ([stdout_contains] if isinstance(stdout_contains, str) else stdout_contains):
        check(fragment in out, f"{label}: stdout lacks {fragment!r}: {out.strip()[:500]}")
    return code, out, err


def unittest_main():
    """Runs the script's unittest cases; exits 1 when one failed, 77 (skipped, as CTest's
    SKIP_RETURN_CODE says) when none failed but one was skipped, else 0, so a skipped case
    never reads as a pass."""
    import unittest
    result = unittest.main(exit=False, verbosity=2).result
    if not result.wasSuccessful():
        sys.exit(1)
    if result.skipped:
        for case, reason in result.skipped:
            print(f"SKIP: {case.id()}: {reason}", file=sys.stderr)
        sys.exit(77)
    sys.exit(0)


def finish():
    """Exits non-zero when any check failed."""
    if _failures:
        print(f"{len(_failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print("all checks passed")
    sys.exit(0)
