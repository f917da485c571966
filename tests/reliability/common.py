# SPDX-License-Identifier: Apache-2.0
"""Shared state for the reliability suite: the binary, the mirror, figures and checks."""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("CUDAPKGS_SOURCE_DIR", os.path.normpath(os.path.join(HERE, "..", "..")))
os.environ.setdefault("CUDAPKGS_SOURCE_DIR", SOURCE_DIR)
os.environ.setdefault("CUDAPKGS_TEST_BINARY_DIR", os.path.join(SOURCE_DIR, "build", "dev", "tests"))
os.environ.setdefault("CUDAPKGS_BIN", os.path.join(SOURCE_DIR, "build", "dev", "src", "cudapkgs"))
BIN = os.environ["CUDAPKGS_BIN"]
BINARY_DIR = os.environ["CUDAPKGS_TEST_BINARY_DIR"]
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "e2e"))

import mirror_server  # noqa: E402
from fixtures import SMALL, manifests_for, small_mirror  # noqa: E402

TARGETS = [f"cudaPackages_13_0.{p}" for p in SMALL]
WORK = tempfile.mkdtemp(prefix="cudapkgs-reliability-")


def base_env(**extra):
    """Environment without the user's cudapkgs settings; short retry and timeout knobs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUDAPKGS_")}
    home = tempfile.mkdtemp(prefix="home-", dir=WORK)
    env.update({"XDG_CONFIG_HOME": os.path.join(home, "config"), "XDG_CACHE_HOME": os.path.join(home, "cache"),
                "NO_COLOR": "1", "CUDAPKGS_FETCH_BACKOFF_MS": "50", "CUDAPKGS_LOW_SPEED_TIME": "2",
                "CUDAPKGS_ALLOW_UNFREE": "1"})
    env.update({k: str(v) for k, v in extra.items()})
    return env


ENV = base_env()


class Figures:
    """Counters for the final table, and the pass/fail state of each section."""

    def __init__(self):
        self.counts = {}
        self.sections = {}  # name -> [checks, failures, seconds, note]
        self.current = None

    def add(self, key, n=1):
        self.counts[key] = self.counts.get(key, 0) + n

    def begin(self, name):
        self.current = name
        self.sections[name] = [0, 0, time.monotonic(), ""]
        print(f"== {name}", flush=True)

    def end(self, note=""):
        sec = self.sections[self.current]
        sec[2] = time.monotonic() - sec[2]
        sec[3] = note or sec[3]

    def skip(self, name, reason):
        self.sections[name] = [0, 0, 0.0, f"SKIPPED: {reason}"]
        print(f"== {name}: skipped ({reason})", flush=True)

    def check(self, condition, message):
        sec = self.sections[self.current]
        sec[0] += 1
        if not condition:
            sec[1] += 1
            print(f"FAIL [{self.current}]: {message}", file=sys.stderr, flush=True)
        return condition

    def failed(self):
        return any(s[1] for s in self.sections.values())


FIG = Figures()


def cudapkgs(*args, env=None, timeout=300, cwd=None):
    """Runs the binary; returns (exit code, stdout, stderr). A signal death is -signum."""
    proc = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, errors="replace", env=env or ENV,
                          timeout=timeout, cwd=cwd or WORK)
    return proc.returncode, proc.stdout, proc.stderr


class Mirror:
    """The small mirror (cudart, cccl, crt) behind the fault-injecting server: real CUDA 13.0
    files where the machine has them, else synthetic archives of the same packages."""

    def __init__(self, cert=None, key=None):
        self.root, self.synthetic = small_mirror(SMALL, name="mirror-reliability")
        self.manifests = manifests_for(self.root)
        self.server, self.port = mirror_server.start(self.root, cert, key)
        self.url = f"{'https' if cert else 'http'}://127.0.0.1:{self.port}"
        with open(os.path.join(self.manifests, "cuda", "redistrib_13.0.2.json")) as f:
            self.manifest = json.load(f)

    def archives(self):
        """{package: (relative_path, sha256, size)} for the three packages."""
        out = {}
        for pkg in SMALL:
            a = self.manifest[pkg]["linux-x86_64"]
            out[pkg] = (a["relative_path"], a["sha256"], int(a["size"]))
        return out

    def post(self, path, body, context=None):
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST")
        return urllib.request.urlopen(req, context=context).read()

    def faults(self, faults):
        self.post("/__faults", {"reset": True})
        if faults:
            self.post("/__faults", faults)

    def reset_stats(self):
        self.post("/__stats/reset", {})

    def stats(self):
        return json.loads(urllib.request.urlopen(self.url + "/__stats").read())

    def requests(self):
        return self.stats()["requests"]

    def archive_requests(self):
        """{archive file name: GET count} for archive paths only."""
        return {os.path.basename(p): n for p, n in self.requests().items() if p.endswith(".tar.xz")}

    def build_cmd(self, store, targets=TARGETS, extra=()):
        return [BIN, "--manifests", self.manifests, "--mirror", self.url, "--store", store,
                "build", "--no-link", *extra, *targets]

    def build(self, store, targets=TARGETS, extra=(), env=None, timeout=300):
        proc = subprocess.run(self.build_cmd(store, targets, extra), capture_output=True, text=True, errors="replace",
                              env=env or ENV, timeout=timeout, cwd=WORK)
        return proc.returncode, proc.stdout, proc.stderr

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def fresh_store(name="store"):
    return os.path.join(tempfile.mkdtemp(prefix="s-", dir=WORK), name)


def store_entries(store):
    """Names of store path directories (not the .cudapkgs metadata)."""
    return sorted(p for p in os.listdir(store) if not p.startswith(".")) if os.path.isdir(store) else []


def registered(store):
    """Registered path names straight from the database (read-only), or [] without one."""
    db = os.path.join(store, ".cudapkgs", "db.sqlite")
    if not os.path.exists(db):
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return sorted(r[0] for r in con.execute("SELECT path FROM valid_paths"))
    finally:
        con.close()


def integrity_check(store):
    """python's sqlite3 PRAGMA integrity_check on the store database: 'ok' or the problems."""
    con = sqlite3.connect(os.path.join(store, ".cudapkgs", "db.sqlite"), timeout=30)
    try:
        rows = [r[0] for r in con.execute("PRAGMA integrity_check")]
        return "ok" if rows == ["ok"] else "; ".join(rows)
    finally:
        con.close()


def remove_tree(path):
    """rm -rf that copes with sealed (0555) store directories."""
    for dirpath, dirs, _ in os.walk(path):
        for d in dirs:
            p = os.path.join(dirpath, d)
            if not os.path.islink(p):
                os.chmod(p, 0o755)
    if os.path.isdir(path):
        os.chmod(path, 0o755)
    shutil.rmtree(path, ignore_errors=True)


def tree_bytes(path):
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_size
            except OSError:
                pass
    return total


def temp_leftovers(store):
    """(entries, bytes) under <store>/.cudapkgs/tmp."""
    tmp = os.path.join(store, ".cudapkgs", "tmp")
    if not os.path.isdir(tmp):
        return 0, 0
    entries = os.listdir(tmp)
    return len(entries), tree_bytes(tmp)


def verify(store, env=None):
    """`store verify --json`: (exit code, parsed report or None, stderr)."""
    code, out, err = cudapkgs("--store", store, "--json", "store", "verify", env=env)
    try:
        report = json.loads(out)
    except ValueError:
        report = None
    return code, report, err


def kill_after(cmd, delay_s, env=None):
    """Starts `cmd`, SIGKILLs it after delay_s unless it ended; returns (killed, exit code)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env or ENV, cwd=WORK)
    try:
        proc.wait(timeout=delay_s)
        return False, proc.returncode
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return True, proc.returncode
