# SPDX-License-Identifier: Apache-2.0
"""Hostile inputs: mutated manifests, fixups, overlays, config and lock files (exit 3), unsafe
tar archives and zip bombs (exit 5), malformed ELF files (exit 5). Never a signal or exit 1."""
import concurrent.futures
import hashlib
import io
import json
import lzma
import os
import random
import shutil
import tarfile
import tempfile

import mutations
import unsafe_archives
from common import FIG, SOURCE_DIR, WORK, cudapkgs, fresh_store, store_entries

EVAL = ("eval", "cudaPackages_13_0.cuda_cudart")
TARGET_PAIR = ("cudaPackages_13_0.cuda_cudart", "cudaPackages_13_0.cuda_cccl")


def run_cases(kind, cases, expected, prepare):
    """Runs every case through `prepare(name, data) -> argv` in parallel; counts and checks."""
    codes = {}

    def one(case):
        name, data = case
        code, _, err = cudapkgs(*prepare(name, data), timeout=120)
        return name, code, err

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, cases))
    rejected = 0
    for name, code, err in results:
        codes[code] = codes.get(code, 0) + 1
        clean = code == expected and "internal error" not in err.lower() and "error:" in err
        rejected += clean
        FIG.check(clean, f"{kind} '{name}': exit {code}, expected {expected}: {err.strip()[:300]}")
    FIG.add("bad inputs tried", len(results))
    FIG.add("bad inputs rejected", rejected)
    summary = ", ".join(f"exit {c}: {n}" for c, n in sorted(codes.items()))
    print(f"   {kind:10} {len(results):4} tried, {rejected:4} rejected with exit {expected} ({summary})", flush=True)
    return f"{kind} {rejected}/{len(results)}"


def write_manifests(mirror, manifest_bytes):
    d = tempfile.mkdtemp(prefix="m-", dir=WORK)
    shutil.copy(os.path.join(mirror.manifests, "sets.json"), d)
    os.makedirs(os.path.join(d, "cuda"))
    with open(os.path.join(d, "cuda", "redistrib_13.0.2.json"), "wb") as f:
        f.write(manifest_bytes)
    return d


def write_file(name, data):
    path = os.path.join(tempfile.mkdtemp(prefix="f-", dir=WORK), name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def json_inputs(mirror, rng, manifest_count):
    notes = []
    m = mirror.manifests
    cases = mutations.manifest_mutations(mirror.manifest, ["cuda_cudart", "cuda_cccl", "cuda_crt"], rng, manifest_count)
    notes.append(run_cases("manifest", cases, 3, lambda n, d: ("--manifests", write_manifests(mirror, d), *EVAL)))
    fixups = os.path.join(SOURCE_DIR, "fixups")
    with open(os.path.join(fixups, "cuda_cudart.json")) as f:
        fixup = json.load(f)

    def with_fixup(name, data):
        d = tempfile.mkdtemp(prefix="fx-", dir=WORK)
        shutil.copytree(fixups, d, dirs_exist_ok=True)
        with open(os.path.join(d, "cuda_cudart.json"), "wb") as f:
            f.write(data)
        return ("--manifests", m, "--fixups", d, *EVAL)

    notes.append(run_cases("fixup", mutations.fixup_mutations(fixup, rng), 3, with_fixup))
    notes.append(run_cases("overlay", mutations.overlay_mutations(rng), 3,
                           lambda n, d: ("--manifests", m, "--overlay", write_file("overlay.json", d), *EVAL)))
    notes.append(run_cases("config", mutations.config_mutations(rng), 3,
                           lambda n, d: ("--manifests", m, "--config", write_file("config.json", d), *EVAL)))
    lock_path = os.path.join(tempfile.mkdtemp(prefix="lock-", dir=WORK), "cudapkgs.lock")
    code, _, err = cudapkgs("--manifests", m, "lock", "-o", lock_path, *TARGET_PAIR)
    if FIG.check(code == 0, f"cudapkgs lock exited {code}: {err}"):
        code, _, err = cudapkgs("--manifests", m, "--frozen", "--lock", lock_path, *EVAL)
        FIG.check(code == 0, f"--frozen with the untouched lock file exited {code}: {err}")
        with open(lock_path) as f:
            lock = json.load(f)
        notes.append(run_cases("lock", mutations.lock_mutations(lock, rng), 3,
                               lambda n, d: ("--manifests", m, "--frozen", "--lock", write_file("cudapkgs.lock", d), *EVAL)))
    return notes


class Zeros(io.RawIOBase):
    """`n` zero bytes, produced lazily."""

    def __init__(self, n):
        self.left = n

    def readable(self):
        return True

    def readinto(self, b):
        k = min(len(b), self.left)
        b[:k] = bytes(k)
        self.left -= k
        return k


def write_bomb(path, files, each, top="cuda_crt-linux-x86_64-13.0.88-archive"):
    """A real tar.xz holding `files` zero-filled files of `each` bytes; returns (sha256, size)."""
    with lzma.open(path, "wb", preset=0) as xz, tarfile.open(fileobj=xz, mode="w|", format=tarfile.GNU_FORMAT) as tar:
        for i in range(files):
            info = tarfile.TarInfo(f"{top}/lib/zeros{i}.bin")
            info.size = each
            tar.addfile(info, Zeros(each))
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest(), os.path.getsize(path)


def lying_header(path, top="cuda_crt-linux-x86_64-13.0.88-archive"):
    """A tar whose one header claims a 1 TiB file followed by 512 bytes of data."""
    info = tarfile.TarInfo(f"{top}/lib/huge.bin")
    info.size = 1 << 40
    raw = info.tobuf(format=tarfile.GNU_FORMAT) + bytes(512)
    data = lzma.compress(raw, preset=0)
    with open(path, "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest(), len(data)


def archive_inputs(mirror):
    """Each archive replaces cuda_crt's in a file:// mirror; building cuda_crt must exit 5."""
    root = tempfile.mkdtemp(prefix="unsafe-mirror-", dir=WORK)
    arch_dir = os.path.join(root, "cuda", "redist", "cuda_crt", "linux-x86_64")
    os.makedirs(arch_dir)
    cases = []
    for kind in unsafe_archives.KINDS:
        if kind != "setuid":  # allowed: the bit is dropped
            path = os.path.join(arch_dir, f"{kind}.tar.xz")
            cases.append((kind, path, *unsafe_archives.write(path, kind)))
    bomb = os.path.join(arch_dir, "bomb.tar.xz")
    cases.append(("zip bomb: 300 MiB of zeros", bomb, *write_bomb(bomb, 1, 300 << 20)))
    many = os.path.join(arch_dir, "bomb-many.tar.xz")
    cases.append(("zip bomb: 40 x 8 MiB", many, *write_bomb(many, 40, 8 << 20)))
    lie = os.path.join(arch_dir, "lying-header.tar.xz")
    cases.append(("header claims 1 TiB", lie, *lying_header(lie)))

    def prepare(name, data):
        _, path, sha, size = next(c for c in cases if c[0] == name)
        doc = json.loads(json.dumps(mirror.manifest))
        doc["cuda_crt"]["linux-x86_64"] = {"relative_path": f"cuda_crt/linux-x86_64/{os.path.basename(path)}",
                                           "sha256": sha, "size": str(size)}
        store = fresh_store()
        stores[name] = store
        return ("--manifests", write_manifests(mirror, json.dumps(doc).encode()), "--mirror", f"file://{root}",
                "--store", store, "build", "--no-link", "cudaPackages_13_0.cuda_crt")

    stores = {}
    note = run_cases("archive", [(c[0], None) for c in cases], 5, prepare)
    for name, store in stores.items():
        FIG.check(not store_entries(store), f"archive '{name}' left store paths {store_entries(store)}")
    sizes = {c[0]: c[3] for c in cases if c[0].startswith(("zip", "header"))}
    print(f"   bomb archive sizes (declared = actual): {sizes}", flush=True)
    return note


def elf_inputs():
    corpus = os.path.join(SOURCE_DIR, "tests", "data", "elf", "invalid")
    files = sorted(os.listdir(corpus))
    code, _, err = cudapkgs("elf", "show", os.path.join(SOURCE_DIR, "tests", "data", "elf", "valid-minimal.elf"))
    FIG.check(code == 0, f"elf show on the valid control file exited {code}: {err}")
    return run_cases("elf", [(f, None) for f in files], 5, lambda n, d: ("elf", "show", os.path.join(corpus, n)))


def run(mirror, seed, manifest_count=220):
    FIG.begin("hostile inputs")
    rng = random.Random(seed)
    notes = json_inputs(mirror, rng, manifest_count)
    notes.append(archive_inputs(mirror))
    notes.append(elf_inputs())
    FIG.end("; ".join(notes))
