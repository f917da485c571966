#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`cudapkgs mirror sync` against the local and fault-injecting mirrors: a full sync, a second
run that sends no request at all (counted at the server), a corrupted file replaced, retries
and resume through faults, the result used as file:// and HTTP mirror, and --offline."""

import hashlib
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ci_fixture  # noqa: E402
import harness  # noqa: E402
import mirror_server  # noqa: E402
from harness import check, run  # noqa: E402

SET = "cudaPackages_13_0"


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def fixture_archives(world):
    """relative path under the mirror root → (sha256, size), from the trimmed manifest."""
    with open(os.path.join(world.manifests, "cuda", "redistrib_13.0.2.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    out = {}
    for pname in ci_fixture.PACKAGES:
        entry = manifest[pname]["linux-x86_64"]
        out["cuda/redist/" + entry["relative_path"]] = (entry["sha256"], int(entry["size"]))
    return out


class Mirror:
    def __init__(self, root):
        self.server, port = mirror_server.start(root)
        self.url = f"http://127.0.0.1:{port}"

    def stats(self):
        return self.server.state.stats()

    def reset(self):
        self.server.state.reset_stats()

    def faults(self, faults):
        self.server.state.set_faults(dict(faults, reset=True))

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def sync(world, mirror_url, dest, *extra, json_out=True):
    args = ["--manifests", world.manifests, "--mirror", mirror_url, *extra]
    if json_out:
        args.append("--json")
    code, out, err = run(*args, "mirror", "sync", "--set", SET, "--dest", dest,
                         "--progress", "none", env=world.env)
    result = json.loads(out) if json_out and out.strip() else None
    return code, result, err


def main():
    world = ci_fixture.World()
    mirror = Mirror(world.root)
    try:
        archives = fixture_archives(world)
        dest = world.path("dest")
        first_and_second(world, mirror, dest, archives)
        corrupted(world, mirror, dest, archives)
        faults(world, mirror, archives)
        only_package(world, mirror)
        as_mirror(world, dest, archives)
        offline(world, mirror, dest, archives)
        offline_build(world, mirror, dest)
    finally:
        mirror.stop()
        world.cleanup()
    harness.finish()


def first_and_second(world, mirror, dest, archives):
    mirror.reset()
    code, result, err = sync(world, mirror.url, dest)
    check(code == 0, f"first sync: exit {code}: {err}")
    if code != 0:
        return
    check(result["summary"]["downloaded"] == len(archives), f"first sync: {result['summary']}")
    check(result["summary"]["copied"] == 1, "the manifest is copied")
    for rel, (digest, size) in archives.items():
        path = os.path.join(dest, rel)
        check(os.path.isfile(path) and sha256_file(path) == digest, f"{rel} synced and verified")
        check(mirror.stats()["requests"].get("/" + rel) == 1, f"{rel}: one request")
    manifest = os.path.join(dest, "cuda", "redist", "redistrib_13.0.2.json")
    check(os.path.isfile(manifest), "manifest in NVIDIA's layout")
    index = open(os.path.join(dest, "cuda", "redist", "index.html"), encoding="utf-8").read()
    check('href="redistrib_13.0.2.json"' in index, "index.html lists the manifest")

    mirror.reset()
    code, result, err = sync(world, mirror.url, dest)
    check(code == 0, f"second sync: exit {code}: {err}")
    check(mirror.stats()["requests"] == {}, f"second sync sent requests: {mirror.stats()}")
    if result:
        check(result["summary"]["downloaded"] == 0 and
              result["summary"]["present"] == len(archives) + 1, f"second: {result['summary']}")
        check(result["summary"]["bytesTransferred"] == 0, "second sync transferred bytes")


def corrupted(world, mirror, dest, archives):
    rel = sorted(archives)[0]
    path = os.path.join(dest, rel)
    with open(path, "r+b") as f:  # same size, one byte flipped
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 0xFF]))
    other = sorted(archives)[1]
    with open(os.path.join(dest, other), "r+b") as f:  # truncated
        f.truncate(1000)
    mirror.reset()
    code, result, err = sync(world, mirror.url, dest)
    check(code == 0, f"sync after corruption: exit {code}: {err}")
    check(sha256_file(path) == archives[rel][0], "corrupted file replaced")
    check(sha256_file(os.path.join(dest, other)) == archives[other][0], "truncated file replaced")
    requested = set(mirror.stats()["requests"])
    check(requested == {"/" + rel, "/" + other}, f"only the damaged files were fetched: {requested}")


def faults(world, mirror, archives):
    """500-then-OK and a reset mid-body (resumed with Range) still give verified files."""
    rels = sorted(archives)
    mirror.faults({"/" + rels[0]: {"mode": "500", "count": 1},
                   "/" + rels[1]: {"mode": "reset", "count": 1}})
    mirror.reset()
    dest = world.path("dest-faults")
    code, result, err = run("--manifests", world.manifests, "--mirror", mirror.url, "mirror",
                            "sync", "--set", SET, "--dest", dest, "--progress", "json",
                            env=world.env)
    mirror.faults({})
    check(code == 0, f"sync through faults: exit {code}: {err}")
    for rel, (digest, _) in archives.items():
        check(os.path.isfile(os.path.join(dest, rel)) and
              sha256_file(os.path.join(dest, rel)) == digest, f"{rel} verified after faults")
    ranges = mirror.stats()["ranges"].get("/" + rels[1], [])
    check(any(r and r.startswith("bytes=") for r in ranges), f"reset resumed with Range: {ranges}")
    events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    phases = {e["phase"] for e in events}
    check({"started", "retrying", "finished"} <= phases, f"progress events: {phases}")
    check(all({"event", "phase", "name", "url", "done", "total", "rate"} <= set(e)
              for e in events), "progress event fields")
    # A 404 everywhere: exit 4 naming the archive.
    mirror.faults({"/" + rels[2]: {"mode": "404"}})
    code, result, err = sync(world, mirror.url, world.path("dest-404"))
    mirror.faults({})
    check(code == 4 and rels[2] in err, f"404: exit {code}: {err}")
    if result:
        check(result["summary"]["failed"] == 1, f"404 summary: {result['summary']}")


def only_package(world, mirror):
    dest = world.path("dest-one")
    code, out, err = run("--manifests", world.manifests, "--mirror", mirror.url, "--json",
                         "mirror", "sync", "--set", SET, "--package", "cuda_crt", "--dest", dest,
                         "--progress", "none", env=world.env)
    check(code == 0, f"--package: exit {code}: {err}")
    if code == 0:
        paths = [a["path"] for a in json.loads(out)["archives"]]
        check(len(paths) == 1 and "cuda_crt" in paths[0], f"--package cuda_crt: {paths}")
    code, _, err = run("--manifests", world.manifests, "--mirror", mirror.url, "mirror", "sync",
                       "--set", SET, "--package", "cuda_crtt", "--dest", dest, env=world.env)
    check(code == 3 and "cuda_crt" in err, f"unknown package: exit {code}: {err}")


def as_mirror(world, dest, archives):
    """DIR works as file:// mirror (offline too) and behind a static HTTP server."""
    second = world.path("dest-from-file")
    code, result, err = sync(world, "file://" + dest, second, "--offline")
    check(code == 0, f"sync from file:// offline: exit {code}: {err}")
    for rel, (digest, _) in archives.items():
        check(sha256_file(os.path.join(second, rel)) == digest, f"{rel} from file:// mirror")
    static = Mirror(dest)
    try:
        third = world.path("dest-from-http")
        code, result, err = sync(world, static.url, third)
        check(code == 0, f"sync from the synced dir over HTTP: exit {code}: {err}")
        check(len(static.stats()["requests"]) == len(archives), "served from the synced dir")
    finally:
        static.stop()


def offline(world, mirror, dest, archives):
    mirror.reset()
    code, result, err = sync(world, mirror.url, world.path("dest-offline"), "--offline")
    check(code == 4, f"offline with an http mirror: exit {code}")
    check("offline mode" in err and "mirror sync" in err, f"offline error: {err}")
    check(any(rel.split("/")[-1] in err for rel in archives), f"names the archive: {err}")
    check(mirror.stats()["requests"] == {}, "offline opened a connection")
    # A file:// mirror lacking one archive: exit 4 naming it.
    partial = world.path("partial")
    shutil.copytree(dest, partial)
    missing = sorted(archives)[0]
    os.remove(os.path.join(partial, missing))
    code, result, err = sync(world, "file://" + partial, world.path("dest-partial"), "--offline")
    check(code == 4 and missing in err, f"offline, archive missing: exit {code}: {err}")


def offline_build(world, mirror, dest):
    """The synced directory is all a build needs: the server is stopped, the network off."""
    code, out, _ = run("build", "--help", env=world.env)
    if "Usage: cudapkgs build " not in out:
        print("note: 'cudapkgs build' not in this binary; offline build not checked")
        return
    mirror.stop()
    code, out, err = run("--manifests", world.manifests, "--store", world.store, "--offline",
                         "--mirror", "file://" + dest, "build", "--no-link", "--progress", "none",
                         f"{SET}.cuda_cudart", f"{SET}.cuda_cccl", env=world.env)
    check(code == 0, f"offline build from the synced mirror: exit {code}: {err}")
    paths = out.split()
    check(paths and all(os.path.isdir(p) for p in paths), f"store paths: {out}")


if __name__ == "__main__":
    main()
