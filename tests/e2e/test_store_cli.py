#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`cudapkgs store` against a store whose paths are registered by this script, with content
hashes computed here from the definition in docs/store.md (an independent implementation)."""
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("CUDAPKGS_BIN", "cudapkgs")


def tree_hash(root):
    """docs/store.md, "Content hash": NUL-terminated fields, children in byte order."""
    out = [b"cudapkgs-tree-v1"]
    size = 0

    def walk(path, rel):
        nonlocal size
        if os.path.islink(path):
            out.extend([b"l", rel, os.readlink(path).encode()])
        elif os.path.isdir(path):
            out.extend([b"d", rel])
            for name in sorted(os.listdir(path), key=os.fsencode):
                child = name.encode() if rel == b"." else rel + b"/" + name.encode()
                walk(os.path.join(path, name), child)
        else:
            data = open(path, "rb").read()
            size += len(data)
            exe = b"x" if os.stat(path).st_mode & 0o100 else b"-"
            out.extend([b"f", rel, exe, str(len(data)).encode(),
                        hashlib.sha256(data).hexdigest().encode()])

    walk(root, b".")
    return "sha256:" + hashlib.sha256(b"".join(f + b"\0" for f in out)).hexdigest(), size


def run(store, *args, expect=0):
    p = subprocess.run([BIN, "--store", store, *args], capture_output=True, text=True)
    assert p.returncode == expect, f"{args}: rc {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def make_path(store, db, name, files, refs=(), when=None):
    base = hashlib.sha256(name.encode()).hexdigest()[:32].translate(str.maketrans("eotu", "0123"))
    base = f"{base}-{name}"
    root = os.path.join(store, base)
    for rel, content in files.items():
        os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
        with open(os.path.join(root, rel), "w") as f:
            f.write(content)
    os.symlink("a", os.path.join(root, "link"))
    h, size = tree_hash(root)
    cur = db.execute("INSERT INTO valid_paths (path, hash, size, registration_time) "
                     "VALUES (?, ?, ?, ?)", (base, h, size, when or int(time.time())))
    for r in refs:
        db.execute("INSERT INTO refs SELECT ?, id FROM valid_paths WHERE path = ?",
                   (cur.lastrowid, r))
    db.commit()
    return base


def main():
    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "store")
        run(store, "store", "ls")  # creates the store and its database
        db = sqlite3.connect(os.path.join(store, ".cudapkgs", "db.sqlite"))
        dep = make_path(store, db, "dep-1.0", {"a": "dep", "lib/x.so": "x" * 100}, when=100)
        top = make_path(store, db, "top-1.0", {"a": "top", "bin/t": "#!"}, [dep], when=200)
        old = make_path(store, db, "old-0.1", {"a": "old"}, when=50)
        db.close()

        # The C++ implementation agrees with the documented definition.
        assert "3 store paths: 0 problem" in run(store, "store", "verify").stdout
        listed = json.loads(run(store, "store", "ls", "--json").stdout)
        assert sorted(os.path.basename(p["path"]) for p in listed) == sorted([dep, top, old])

        info = json.loads(run(store, "--json", "store", "path-info", top).stdout)
        assert info["references"] == [os.path.join(store, dep)], info
        assert info["size"] == 5 and info["hash"].startswith("sha256:")
        text = run(store, "store", "path-info", os.path.join(store, top, "bin", "t")).stdout
        assert os.path.join(store, dep) in text

        # An out-link registered as a GC root keeps top and dep; old is garbage.
        link = os.path.join(tmp, "result")
        os.symlink(os.path.join(store, top), link)
        os.symlink(link, os.path.join(store, ".cudapkgs", "gcroots", "r1"))
        dry = json.loads(run(store, "store", "gc", "--dry-run", "--json").stdout)
        assert dry["deleted"] == [os.path.join(store, old)] and os.path.isdir(os.path.join(store, old))
        gc = json.loads(run(store, "store", "gc", "--json").stdout)
        assert gc["deleted"] == [os.path.join(store, old)] and gc["live"] == 2, gc
        assert not os.path.exists(os.path.join(store, old))

        # Tampering: a modified file and a path replaced by a symlink, exit 5 naming both.
        target = os.path.join(store, dep, "lib", "x.so")
        os.chmod(target, 0o644)
        with open(target, "w") as f:
            f.write("y" * 100)
        os.chmod(os.path.join(store, top), 0o755)
        subprocess.run(["rm", "-rf", os.path.join(store, top)], check=True)
        os.symlink("/etc", os.path.join(store, top))
        p = run(store, "store", "verify", expect=5)
        assert "failed verification" in p.stderr and dep in p.stderr and top in p.stderr, p.stderr
        assert "symlink" in p.stderr
        report = json.loads(run(store, "store", "verify", "--json", expect=5).stdout)
        assert not report["ok"] and len(report["problems"]) == 2

        run(store, "store", "path-info", "nonsense", expect=3)
        run(store, "store", "gc", "--max-size", "lots", expect=2)
    print("ok")


if __name__ == "__main__":
    sys.exit(main())
