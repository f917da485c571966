# SPDX-License-Identifier: Apache-2.0
"""End-to-end: `cudapkgs build` against a local mirror (real tarballs in NVIDIA's layout, made
from the machine's CUDA install) served over HTTP, with injected faults."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import mirror_server  # noqa: E402
import unsafe_archives  # noqa: E402
from fixtures import SMALL, dlopen_program, ensure_mirror, manifests_for, shared_libraries  # noqa: E402
from harness import check, clean_env, finish, run  # noqa: E402

if shutil.which("nvcc") is None and not os.path.isdir("/usr/local/cuda/dist-info"):
    print("no CUDA install to make fixtures from; skipping")
    sys.exit(77)

MIRROR = ensure_mirror(SMALL)
MANIFESTS = manifests_for(MIRROR)
server, port = mirror_server.start(MIRROR)
URL = f"http://127.0.0.1:{port}"
ENV = clean_env(CUDAPKGS_FETCH_BACKOFF_MS="50", CUDAPKGS_LOW_SPEED_TIME="2", CUDAPKGS_ALLOW_UNFREE="1")
TARGETS = ["cudaPackages_13_0.cuda_cudart", "cudaPackages_13_0.cuda_cccl"]


def post(path, body):
    req = urllib.request.Request(URL + path, data=json.dumps(body).encode(), method="POST")
    return urllib.request.urlopen(req).read()


def stats():
    return json.loads(urllib.request.urlopen(URL + "/__stats").read())


def requests_for(fragment):
    return sum(n for p, n in stats()["requests"].items() if fragment in p)


def build(store, *args, mirror=URL, manifests=MANIFESTS, targets=TARGETS, cwd=None):
    proc = subprocess.run([os.environ["CUDAPKGS_BIN"], "--manifests", manifests, "--mirror", mirror,
                           "--store", store, "build", *targets, *args],
                          capture_output=True, text=True, env=ENV, cwd=cwd or tempfile.mkdtemp())
    return proc.returncode, proc.stdout, proc.stderr


def verify_clean(store, label):
    rc, out, err = run("--store", store, "store", "verify", env=ENV)
    check(rc == 0, f"{label}: store verify exited {rc}: {out}{err}")


def store_paths(store):
    return sorted(p for p in os.listdir(store) if not p.startswith(".")) if os.path.isdir(store) else []


def fresh_store():
    return os.path.join(tempfile.mkdtemp(prefix="cudapkgs-e2e-store-"), "store")


# 1. A clean build, out-links, a no-op rebuild that downloads nothing.
store = fresh_store()
work = tempfile.mkdtemp()
post("/__stats/reset", {})
rc, out, err = build(store, cwd=work)
check(rc == 0, f"build failed: {err}")
paths = out.split()
check(any(p.endswith("-cuda_cudart-13.0.96-lib") for p in paths), f"cudart lib output printed: {out}")
check(os.path.islink(os.path.join(work, "result")) and os.path.islink(os.path.join(work, "result-lib")),
      f"out-links made: {os.listdir(work)}")
check(requests_for("cuda_cudart-linux") == 1, "cudart archive fetched once")
verify_clean(store, "clean build")
rc, out2, err2 = build(store, "--no-link")
check(rc == 0 and sorted(out2.split()) == sorted(paths), "no-op rebuild prints the same paths")
check(requests_for("cuda_cudart-linux") == 1, "no-op rebuild downloads nothing")
lib = next(p for p in paths if p.endswith("-cuda_cudart-13.0.96-lib"))
check(os.path.isfile(os.path.join(lib, "lib", "libcudart.so.13")), "libcudart in the lib output")
inc = next(p for p in paths if p.endswith("-cuda_cccl-13.0.85-include"))
check(os.path.isdir(os.path.join(inc, "include", "cub")) and not os.path.exists(os.path.join(inc, "include", "cccl")),
      "cccl 13 headers un-nested by its fixup")
static = next(p for p in paths if p.endswith("-static"))
check(os.path.isfile(os.path.join(static, "lib", "libcudart_static.a")), "*.a routed to static")

# dlopen without LD_LIBRARY_PATH, `check` clean, and a moved store still loads.
exe = dlopen_program(tempfile.mkdtemp())
libs = shared_libraries(paths)
check(libs and subprocess.run([exe, *libs]).returncode == 0, f"dlopen of {libs}")
rc, out, err = run("check", *paths, env=ENV)
check(rc == 0, f"check on outputs: {out}{err}")
moved = os.path.join(tempfile.mkdtemp(), "moved-store")
shutil.copytree(store, moved, symlinks=True)
moved_libs = [p.replace(store, moved) for p in libs]
check(subprocess.run([exe, *moved_libs]).returncode == 0, "libraries load from a moved store")

# store path-info takes an ATTRPATH: every built output, out first (an array with --json).
rc, out, err = run("--manifests", MANIFESTS, "--store", store, "--json", "store", "path-info",
                   "cudaPackages_13_0.cuda_cudart", env=ENV)
infos = json.loads(out) if rc == 0 else []
cudart = sorted(p for p in paths if "-cuda_cudart-" in os.path.basename(p))
check(rc == 0 and sorted(i["path"] for i in infos) == cudart and infos[0]["path"].endswith("-13.0.96"),
      f"path-info by ATTRPATH lists the outputs of cuda_cudart: {out}{err}")
rc, out, err = run("--manifests", MANIFESTS, "--store", fresh_store(), "store", "path-info",
                   "cudaPackages_13_0.cuda_cudart", env=ENV)
check(rc == 3 and "cudapkgs build cudaPackages_13_0.cuda_cudart" in err,
      f"path-info of an unbuilt ATTRPATH says how to build it: {rc} {err}")

# store gc deletes the downloaded archives (a cache of the mirror) with the unreachable paths.
downloads = os.path.join(store, ".cudapkgs", "downloads")
archives = [f for f in os.listdir(downloads) if f.endswith(".tar.xz")]
rc, out, err = run("--store", store, "--json", "store", "gc", env=ENV)
gc = json.loads(out) if rc == 0 else {}
check(rc == 0 and len(archives) >= 2 and gc.get("downloadsDeleted") == len(archives)
      and gc.get("downloadBytesFreed", 0) > 0 and os.listdir(downloads) == [],
      f"gc deletes the downloaded archives {archives}: {out}{err}")
verify_clean(store, "after gc")

# --dry-run and --json.
rc, out, err = build(fresh_store(), "--dry-run", "--json")
plan = json.loads(out) if rc == 0 else {}
check(rc == 0 and plan.get("downloadBytes", 0) > 0, f"dry run lists downloads: {out}{err}")

# 2. Faults: 404 on the first mirror, 500 then OK, truncated body, reset.
for mode in ["500", "truncate", "reset"]:
    post("/__faults", {"reset": True})
    post("/__faults", {"*": {"mode": mode, "count": 1}})
    s = fresh_store()
    rc, out, err = build(s, "--no-link")
    check(rc == 0, f"fault {mode}: retry should win, got {rc}: {err}")
    verify_clean(s, f"fault {mode}")
post("/__faults", {"reset": True})
missing = tempfile.mkdtemp()
rc, out, err = build(fresh_store(), "--no-link", mirror=f"file://{missing}")
check(rc == 4, f"missing everywhere is exit 4: {rc} {err}")
proc = subprocess.run([os.environ["CUDAPKGS_BIN"], "--manifests", MANIFESTS, "--mirror", f"file://{missing}",
                       "--mirror", URL, "--store", fresh_store(), "build", "--no-link", *TARGETS],
                      capture_output=True, text=True, env=ENV)
check(proc.returncode == 0, f"second mirror used after the first fails: {proc.stderr}")

# 3. Wrong bytes: exit 5, nothing in the store, verify clean.
post("/__faults", {"*": {"mode": "corrupt"}})
s = fresh_store()
rc, out, err = build(s, "--no-link")
check(rc == 5 and "sha256" in err, f"corrupt archive is exit 5 naming the hash: {rc} {err}")
check(store_paths(s) == [], f"nothing registered after a hash mismatch: {store_paths(s)}")
verify_clean(s, "hash mismatch")
post("/__faults", {"reset": True})

# 4. Unsafe archive entries: exit 5, nothing registered.
unsafe_dir = tempfile.mkdtemp()
bad_manifests = tempfile.mkdtemp()
shutil.copytree(MANIFESTS, bad_manifests, dirs_exist_ok=True)
manifest_path = os.path.join(bad_manifests, "cuda", "redistrib_13.0.2.json")
manifest = json.load(open(manifest_path))
for kind in ["dotdot", "symlink_escape", "hardlink_escape", "device"]:
    lines = subprocess.run([sys.executable, unsafe_archives.__file__, unsafe_dir, kind],
                           capture_output=True, text=True, check=True).stdout.split()
    _, path, sha, size = lines
    rel = f"cuda_crt/linux-x86_64/unsafe-{kind}.tar.xz"
    os.makedirs(os.path.join(MIRROR, "cuda", "redist", "cuda_crt", "linux-x86_64"), exist_ok=True)
    shutil.copy(path, os.path.join(MIRROR, "cuda", "redist", rel))
    manifest["cuda_crt"]["linux-x86_64"] = {"relative_path": rel, "sha256": sha, "size": size}
    json.dump(manifest, open(manifest_path, "w"))
    s = fresh_store()
    rc, out, err = build(s, "--no-link", manifests=bad_manifests, targets=["cudaPackages_13_0.cuda_crt"])
    check(rc == 5, f"unsafe archive ({kind}) is exit 5: {rc} {err}")
    check(store_paths(s) == [], f"unsafe archive ({kind}) leaves nothing: {store_paths(s)}")

# 5. Offline: an http mirror is never contacted; a file:// mirror works.
rc, out, err = run("--manifests", MANIFESTS, "--mirror", URL, "--store", fresh_store(), "--offline",
                   "build", "--no-link", *TARGETS, env=ENV)
check(rc == 4 and "mirror sync" in err, f"offline refuses http: {rc} {err}")
s = fresh_store()
rc, out, err = run("--manifests", MANIFESTS, "--mirror", f"file://{MIRROR}", "--store", s,
                   "--offline", "build", "--no-link", "--progress", "json", *TARGETS, env=ENV)
check(rc == 0, f"offline from a file:// mirror: {err}")
events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
in_place = [e for e in events if e.get("phase") == "finished" and e.get("message") == "verified in place"]
check(len(in_place) >= 2 and all(e["done"] == e["total"] > 0 for e in in_place),
      f"--progress json reports archives verified in place: {events}")
unpacks = [e for e in events if e.get("event") == "unpack"]
started = sorted(e["name"] for e in unpacks if e["phase"] == "started")
finished = sorted(e["name"] for e in unpacks if e["phase"] == "finished")
check(len(started) >= 2 and started == finished == sorted(e["name"] for e in in_place)
      and all(e["done"] == e["total"] for e in unpacks if e["phase"] == "finished"),
      f"--progress json reports each archive's unpacking: {unpacks}")
# A file:// mirror's archives are verified and read where they lie, never copied.
downloads = os.path.join(s, ".cudapkgs", "downloads")
copied = os.listdir(downloads) if os.path.isdir(downloads) else []
check(copied == [], f"file:// archives are not copied into the store: {copied}")
http_store = fresh_store()
rc2, out2, err2 = build(http_store, "--no-link")
names = lambda text: sorted(os.path.basename(p) for p in text.split())
check(rc2 == 0 and names(out) == names(out2),
      f"file:// and http builds give the same store paths: {out} / {out2} {err2}")
verify_clean(s, "file:// build")
# A file:// archive with the right size but other bytes: the next mirror serves it; alone,
# exit 5 with the expected and actual hash, and nothing in the store.
cudart = next(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(MIRROR, "cuda", "redist", "cuda_cudart"))
              for f in fs if f.endswith(".tar.xz"))
bad = tempfile.mkdtemp(prefix="cudapkgs-e2e-badmirror-")
bad_file = os.path.join(bad, os.path.relpath(cudart, MIRROR))
os.makedirs(os.path.dirname(bad_file))
with open(bad_file, "wb") as f:
    f.write(b"\0" * os.path.getsize(cudart))
s = fresh_store()
rc, out, err = run("--manifests", MANIFESTS, "--mirror", f"file://{bad}", "--mirror", f"file://{MIRROR}",
                   "--store", s, "build", "--no-link", *TARGETS, env=ENV)
check(rc == 0 and names(out) == names(out2), f"a bad file:// archive falls through to the next mirror: {rc} {err}")
s = fresh_store()
rc, out, err = run("--manifests", MANIFESTS, "--mirror", f"file://{bad}", "--store", s,
                   "build", "--no-link", "cudaPackages_13_0.cuda_cudart", env=ENV)
check(rc == 5 and "expected" in err and "cuda_cudart" in err, f"a bad file:// archive alone is exit 5: {rc} {err}")
check(store_paths(s) == [], f"nothing committed from a bad file:// archive: {store_paths(s)}")

# 6. Four concurrent builds of the same targets into one store: one download, one build.
post("/__stats/reset", {})
s = fresh_store()
results = []
threads = [threading.Thread(target=lambda: results.append(build(s, "--no-link"))) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
check(all(r[0] == 0 for r in results), f"concurrent builds: {[r[0] for r in results]} {[r[2] for r in results if r[0]]}")
check(len({tuple(sorted(r[1].split())) for r in results}) == 1, "concurrent builds agree on paths")
check(requests_for("cuda_cudart-linux") == 1, f"archive downloaded once: {stats()['requests']}")
verify_clean(s, "concurrent builds")

# 7. Licences are enforced before anything is fetched.
env = dict(ENV)
env.pop("CUDAPKGS_ALLOW_UNFREE")
rc, out, err = run("--manifests", MANIFESTS, "--mirror", URL, "--store", fresh_store(), "build", *TARGETS, env=env)
check(rc == 3 and "CUDA EULA" in err, f"unfree refused: {rc} {err}")

# 8. A signed binary cache: push from one store, then build in another store at another
# directory with no reachable mirror; everything comes from the cache, verified.
keys = tempfile.mkdtemp()
rc, pub, err = run("cache", "keygen", "e2e-key", "--out-dir", keys, env=ENV)
check(rc == 0, f"keygen: {err}")
cache_dir = tempfile.mkdtemp(prefix="cudapkgs-e2e-cache-")
a = fresh_store()
rc, out, err = build(a, "--no-link")
# By ATTRPATH (every built output) for one package, by store path for the other.
cccl_out = [p for p in out.split() if p.endswith("-13.0.85")]
rc, _, err = run("--manifests", MANIFESTS, "--store", a, "cache", "push", f"file://{cache_dir}",
                 "cudaPackages_13_0.cuda_cudart", *cccl_out, "--key", os.path.join(keys, "e2e-key.secret"),
                 env=ENV)
check(rc == 0, f"cache push: {err}")
b = fresh_store()
proc = subprocess.run([os.environ["CUDAPKGS_BIN"], "--manifests", MANIFESTS, "--mirror", f"file://{missing}",
                       "--store", b, "--substituter", f"file://{cache_dir}", "--option", "trusted-public-keys",
                       pub.strip(), "build", "--no-link", *TARGETS], capture_output=True, text=True, env=ENV)
check(proc.returncode == 0, f"build from the binary cache alone: {proc.stderr}")
check(sorted(os.path.basename(p) for p in proc.stdout.split()) == sorted(os.path.basename(p) for p in paths),
      "the cache gives the same store paths")
verify_clean(b, "substituted store")
check(subprocess.run([exe, *[p.replace(os.path.dirname(paths[0]), b) for p in libs]]).returncode == 0,
      "substituted libraries load")
proc = subprocess.run([os.environ["CUDAPKGS_BIN"], "--manifests", MANIFESTS, "--mirror", f"file://{missing}",
                       "--store", fresh_store(), "--substituter", f"file://{cache_dir}", "build", "--no-link",
                       *TARGETS], capture_output=True, text=True, env=ENV)
check(proc.returncode == 4, f"untrusted cache refused, falls back to the (missing) mirror: {proc.returncode}")

server.shutdown()
finish()
