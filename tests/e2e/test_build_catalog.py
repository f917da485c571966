# SPDX-License-Identifier: Apache-2.0
"""End-to-end: every available binary package of every set `cudapkgs list` reports is built for
x86_64-linux, and the sbsa entries of one 13.x set for aarch64-linux, from a synthetic mirror
(tests/fixtures/synth_mirror.py: small archives in each entry's own layout, real sonames and
NEEDED edges), into fresh stores with -j. Needs no CUDA install and reads none.

Checks: each build exits 0; every printed output exists; `cudapkgs check` on them is clean;
`store verify` is clean; in every set the CUDA toolchain (cuda_nvcc, cuda_cudart, cuda_cccl,
plus cuda_crt and libnvvm from 13.0) and `saxpy` are available on x86_64-linux and on sbsa.
Source packages (packages/*: saxpy, ...) are checked for availability only: building them
needs a real nvcc (tests/e2e/test_source_packages.py, label nvcc).

The generated archives are cached in the build tree ($CUDAPKGS_TEST_BINARY_DIR/synth-mirror),
keyed by content, so a rerun only builds.

EXPECTED_FAILURES lists (set, attr) pairs that fail for a reported cudapkgs bug; each one still
has to fail (so a fix shows up as a failure of this list to shrink)."""
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mirror_server  # noqa: E402
from harness import BIN, BINARY_DIR, SOURCE_DIR, check, clean_env, finish  # noqa: E402

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "fixtures"))
import synth_mirror  # noqa: E402

# (set, attr, platform) → the reported bug. Empty: nothing known to fail.
EXPECTED_FAILURES = {}

SBSA = "linux-sbsa"
X86 = "linux-x86_64"
JOBS = str(max(2, os.cpu_count() or 2))
SRC_MANIFESTS = os.environ.get("CUDAPKGS_TEST_MANIFESTS", os.path.join(SOURCE_DIR, "manifests"))
ENV = clean_env(CUDAPKGS_FETCH_BACKOFF_MS="50")
UNFREE = ["--option", "allowUnfree", "true"]
started = time.monotonic()
timings = {}


def cudapkgs(*args, manifests=SRC_MANIFESTS, timeout=900):
    proc = subprocess.run([BIN, "--manifests", manifests, *map(str, args)], capture_output=True,
                          text=True, env=ENV, timeout=timeout, cwd=tempfile.gettempdir())
    return proc.returncode, proc.stdout, proc.stderr


def json_of(*args, **kw):
    rc, out, err = cudapkgs(*args, "--json", **kw)
    if not check(rc == 0, f"cudapkgs {' '.join(map(str, args))} --json exited {rc}: {err}"):
        return None
    return json.loads(out)


def source_pnames():
    names = set()
    for path in glob.glob(os.path.join(SOURCE_DIR, "packages", "*", "package.json")):
        with open(path, encoding="utf-8") as f:
            names.add(json.load(f)["pname"])
    return names


def lap(name, since):
    timings[name] = round(time.monotonic() - since, 1)
    return time.monotonic()


SOURCE_PNAMES = source_pnames()

# 1. The catalogue: sets and their packages on both platforms.
t = time.monotonic()
listing = json_of("list") or {"sets": []}
sets = [s["name"] for s in listing["sets"]]
check(len(sets) >= 4, f"cudapkgs list reports the sets: {sets}")
packages = {}  # (set, system) -> [package json]
for name in sets:
    for system in ("x86_64-linux", "aarch64-linux"):
        packages[(name, system)] = json_of("--system", system, *UNFREE, "list", name) or []


def available(name, system):
    return {p["attr"]: p for p in packages[(name, system)] if p["available"]}


# Dependencies of the packages whose links the generator takes from their declared
# dependencies (no table entry, or "@deps"): their NEEDED entries point at those libraries.
deps = {}
for (name, system), pkgs in packages.items():
    for p in pkgs:
        if not synth_mirror.needs_deps(p["pname"], p["version"]) or p["pname"] in SOURCE_PNAMES \
                or not p["available"] or p["pname"] in deps:
            continue
        value = json_of("--system", system, *UNFREE, "eval", f"{name}.{p['attr']}")
        deps[p["pname"]] = sorted(set((value or {}).get("dependencies", [])))
t = lap("list and eval", t)

# 2. The toolchain a CUDA build needs, and saxpy, in every set on both platforms.
print("toolchain availability (x86_64-linux / sbsa):")
for name in sets:
    cuda = next((s["cudaVersion"] for s in listing["sets"] if s["name"] == name), "0")
    wanted = ["cuda_nvcc", "cuda_cudart", "cuda_cccl", "saxpy"]
    if int(cuda.split(".")[0]) >= 13:
        wanted[3:3] = ["cuda_crt", "libnvvm"]
    row = []
    for attr in wanted:
        states = []
        for system in ("x86_64-linux", "aarch64-linux"):
            ok = attr in available(name, system)
            check(ok, f"{name}.{attr} is available on {system}")
            states.append("yes" if ok else "NO")
        row.append(f"{attr} {'/'.join(states)}")
    print(f"  {name:<20} CUDA {cuda:<8} " + ", ".join(row))

# 3. The synthetic mirror (cached in the build tree).
mirror = os.path.join(BINARY_DIR, "synth-mirror")
os.makedirs(mirror, exist_ok=True)
deps_file = os.path.join(mirror, "deps.json")
with open(deps_file, "w", encoding="utf-8") as f:
    json.dump(deps, f, indent=1, sort_keys=True)
gen = subprocess.run([sys.executable, synth_mirror.__file__, "--manifests", SRC_MANIFESTS,
                      "--out", mirror, "--platforms", f"{X86},{SBSA}", "--deps", deps_file],
                     capture_output=True, text=True)
check(gen.returncode == 0, f"synth_mirror.py: {gen.stdout}{gen.stderr}")
print(gen.stdout.strip())
MANIFESTS = os.path.join(mirror, "manifests")
t = lap("generate mirror", t)


def build_set(store, name, system, attrs, mirror_url):
    """Builds attrs; returns {attr: error text} for those that failed (one by one after a
    failed batch, so each failure is named) and the printed output paths."""
    common = ["--system", system, "--store", store, "--mirror", mirror_url, "-j", JOBS, *UNFREE,
              "build", "--no-link", "--progress", "none"]
    rc, out, err = cudapkgs(*common, "--keep-going", *[f"{name}.{a}" for a in attrs],
                            manifests=MANIFESTS)
    if rc == 0:
        return {}, out.split()
    failures, paths = {}, []
    for attr in attrs:
        rc, out, err = cudapkgs(*common, f"{name}.{attr}", manifests=MANIFESTS)
        if rc == 0:
            paths += out.split()
        else:
            failures[attr] = f"exit {rc}: {err.strip()}"
    return failures, paths


def build_and_check(label, name, system, platform, mirror_url):
    store = os.path.join(tempfile.mkdtemp(prefix="cudapkgs-catalog-"), "store")
    pkgs = available(name, system)
    attrs = sorted(a for a, p in pkgs.items() if p["pname"] not in SOURCE_PNAMES)
    failures, paths = build_set(store, name, system, attrs, mirror_url)
    for attr, error in sorted(failures.items()):
        if (name, attr, platform) in EXPECTED_FAILURES:
            print(f"  expected failure {name}.{attr} ({platform}): "
                  f"{EXPECTED_FAILURES[(name, attr, platform)]}")
            continue
        check(False, f"{label}: build of {name}.{attr} failed: {error}")
    for key, reason in EXPECTED_FAILURES.items():
        if key[0] == name and key[2] == platform and key[1] in attrs and key[1] not in failures:
            check(False, f"{name}.{key[1]} ({platform}) builds now: remove it from "
                         f"EXPECTED_FAILURES ({reason})")
    missing = [p for p in paths if not os.path.isdir(p)]
    check(paths and not missing, f"{label}: every printed output exists: {missing[:5]}")
    if paths:
        rc, out, err = cudapkgs("check", *paths, manifests=MANIFESTS)
        check(rc == 0, f"{label}: check on {len(paths)} outputs: {out[-3000:]}{err[-2000:]}")
    rc, out, err = cudapkgs("--store", store, "store", "verify", manifests=MANIFESTS)
    check(rc == 0, f"{label}: store verify: {out}{err}")
    built = len(attrs) - len(failures)
    print(f"  {label}: {built}/{len(attrs)} packages built, {len(paths)} outputs")
    return built


# 4. Every set for x86_64-linux from a file:// mirror.
total = 0
for name in sets:
    total += build_and_check(f"{name} x86_64-linux", name, "x86_64-linux", X86, f"file://{mirror}")
t = lap("build x86_64 (all sets)", t)

# 5. One 13.x set for aarch64-linux (sbsa) over HTTP from the project's mirror server.
thirteen = [s for s in listing["sets"] if s["cudaVersion"].startswith("13.")]
check(thirteen, "a 13.x set exists")
if thirteen:
    newest = max(thirteen, key=lambda s: synth_mirror.vtuple(s["cudaVersion"]))["name"]
    server, port = mirror_server.start(mirror)
    total += build_and_check(f"{newest} aarch64-linux", newest, "aarch64-linux", SBSA,
                             f"http://127.0.0.1:{port}")
    server.shutdown()
    t = lap(f"build sbsa ({newest})", t)

timings["total"] = round(time.monotonic() - started, 1)
print(f"{total} package builds; timings (s): {json.dumps(timings)}")
finish()
