#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tests/fixtures/make_mirror.py: NVIDIA's layout, real manifest with our hashes, deterministic
and cached archives, and a round trip through mirror_server.py and `cudapkgs fetch`."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("CUDAPKGS_SOURCE_DIR", os.path.normpath(os.path.join(HERE, "..", "..")))
SCRIPT = os.path.join(SOURCE, "tests", "fixtures", "make_mirror.py")
BIN = os.environ.get("CUDAPKGS_BIN")
sys.path.insert(0, HERE)
import harness  # noqa: E402
import mirror_server  # noqa: E402

COMPONENTS = {"cuda_cudart": "13.0.96", "cuda_cccl": "13.0.85"}


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def run_generator(out, *extra, only=",".join(COMPONENTS), check=True):
    return subprocess.run([sys.executable, SCRIPT, "--out", out, "--only", only, *extra],
                          capture_output=True, text=True, check=check)


def fake_install(root, dist, version, files):
    """A tiny pip-wheel style install: files are {path under root: bytes}."""
    info = os.path.join(root, "dist-info", f"{dist}-{version}.dist-info")
    os.makedirs(os.path.join(info, "licenses"))
    with open(os.path.join(info, "licenses", "License.txt"), "w") as f:
        f.write("fake licence\n")
    sub = "cudnn" if "cudnn" in dist else "cu13"
    with open(os.path.join(info, "RECORD"), "w") as record:
        for rel, data in files.items():
            os.makedirs(os.path.join(root, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(root, rel), "wb") as f:
                f.write(data)
            record.write(f"nvidia/{sub}/{rel},sha256=x,{len(data)}\n")
        record.write(f"{dist}-{version}.dist-info/RECORD,,\n")


class MakeMirrorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        build = os.environ.get("CUDAPKGS_TEST_BINARY_DIR")
        cls.tmp = tempfile.mkdtemp(prefix="cudapkgs-mirror-e2e-")
        # The build tree's copy is kept between runs (the cache); the fresh one proves that a
        # clean run produces the same bytes.
        cls.out = os.path.join(build, "mirror-make-mirror-test") if build else os.path.join(cls.tmp, "m1")
        cls.first = run_generator(cls.out)
        cls.manifest = load_json(os.path.join(cls.out, "cuda/redist/redistrib_13.0.2.json"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def archive(self, pname):
        rel = self.manifest[pname]["linux-x86_64"]["relative_path"]
        return os.path.join(self.out, "cuda", "redist", rel)

    def test_layout_matches_nvidia(self):
        for pname, version in COMPONENTS.items():
            top = f"{pname}-linux-x86_64-{version}-archive"
            rel = self.manifest[pname]["linux-x86_64"]["relative_path"]
            self.assertEqual(rel, f"{pname}/linux-x86_64/{top}.tar.xz")
            with tarfile.open(self.archive(pname)) as tar:
                members = tar.getmembers()
            names = [m.name for m in members]
            self.assertTrue(all(n == top or n.startswith(top + "/") for n in names), names[:5])
            self.assertIn(f"{top}/LICENSE", names)
            self.assertIn(f"{top}/include", names)
            for m in members:
                self.assertEqual((m.uid, m.gid, m.mtime), (0, 0, 0), m.name)
            # Directories first, then files, each group sorted: the order never depends on
            # the file system.
            dirs = [m.name for m in members if m.isdir()]
            others = [m.name for m in members if not m.isdir()]
            self.assertEqual(names, sorted(dirs) + sorted(others))
        with tarfile.open(self.archive("cuda_cudart")) as tar:
            top = "cuda_cudart-linux-x86_64-13.0.96-archive"
            lib = tar.getmember(f"{top}/lib/libcudart.so.13")
            self.assertTrue(lib.isfile())
            self.assertEqual(lib.size, os.path.getsize("/usr/local/cuda/lib/libcudart.so.13"))
            link = tar.getmember(f"{top}/lib/libcudart.so")
            self.assertTrue(link.issym())
            self.assertEqual(link.linkname, "libcudart.so.13")
            self.assertIn(f"{top}/include/cuda_runtime.h", tar.getnames())
        with tarfile.open(self.archive("cuda_cccl")) as tar:
            self.assertIn("cuda_cccl-linux-x86_64-13.0.85-archive/include/cccl/cuda/std/version",
                          tar.getnames())

    def test_manifest_has_our_hashes_and_keeps_the_rest(self):
        real_path = os.path.join(SOURCE, "manifests/cuda/redistrib_13.0.2.json")
        if not os.path.isfile(real_path):
            real_path = "/work/shared/manifests/cuda/redistrib_13.0.2.json"
        real = load_json(real_path)
        for pname in COMPONENTS:
            entry = self.manifest[pname]["linux-x86_64"]
            path = self.archive(pname)
            self.assertEqual(entry["sha256"], sha256_file(path))
            with open(path, "rb") as f:
                self.assertEqual(entry["md5"], hashlib.md5(f.read()).hexdigest())
            self.assertEqual(entry["size"], str(os.path.getsize(path)))
            self.assertNotEqual(entry["sha256"], real[pname]["linux-x86_64"]["sha256"])
            self.assertEqual(self.manifest[pname]["linux-sbsa"], real[pname]["linux-sbsa"])
        self.assertEqual(self.manifest["libcublas"], real["libcublas"])
        self.assertEqual(set(self.manifest), set(real))

    def test_deterministic_and_cached(self):
        again = run_generator(self.out)
        self.assertIn("cached", again.stdout)
        self.assertNotIn("built in", again.stdout)
        fresh = os.path.join(self.tmp, "fresh")
        run_generator(fresh)
        for pname in COMPONENTS:
            rel = self.manifest[pname]["linux-x86_64"]["relative_path"]
            self.assertEqual(sha256_file(os.path.join(fresh, "cuda/redist", rel)),
                             sha256_file(self.archive(pname)))

    def test_cudnn_product_and_version_check(self):
        # A fake install keeps this fast; the real cuDNN (~1 GB) is built only on request.
        root = os.path.join(self.tmp, "fake-cuda")
        fake_install(root, "nvidia_cudnn_cu13", "9.19.0.56",
                     {"include/cudnn.h": b"/* cudnn */\n", "lib/libcudnn.so.9": b"\x7fELF fake"})
        os.symlink("libcudnn.so.9", os.path.join(root, "lib", "libcudnn.so"))
        fake_install(root, "nvidia_cuda_runtime", "13.0.1", {"include/cuda.h": b"/* old */\n"})
        out = os.path.join(self.tmp, "fake-mirror")
        p = run_generator(out, "--cuda-root", root, only="cudnn")
        self.assertIn("skipping cuda_cudart: installed 13.0.1, manifest has 13.0.96", p.stderr)
        m = load_json(os.path.join(out, "cudnn/redist/redistrib_9.19.0.json"))
        self.assertEqual((m["release_label"], m["release_product"]), ("9.19.0", "cudnn"))
        self.assertEqual(m["cudnn"]["version"], "9.19.0.56")
        self.assertEqual(m["cudnn"]["cuda_variant"], ["13"])
        entry = m["cudnn"]["linux-x86_64"]["cuda13"]
        top = "cudnn-linux-x86_64-9.19.0.56_cuda13-archive"
        self.assertEqual(entry["relative_path"], f"cudnn/linux-x86_64/{top}.tar.xz")
        path = os.path.join(out, "cudnn/redist", entry["relative_path"])
        self.assertEqual(entry["sha256"], sha256_file(path))
        self.assertEqual(entry["size"], str(os.path.getsize(path)))
        with tarfile.open(path) as tar:
            names = tar.getnames()
            self.assertEqual(tar.getmember(f"{top}/lib/libcudnn.so").linkname, "libcudnn.so.9")
        self.assertIn(f"{top}/include/cudnn.h", names)
        self.assertIn(f"{top}/LICENSE", names)
        p = run_generator(out, "--cuda-root", root, only="cuda_cudart", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("unknown or unusable components: cuda_cudart", p.stderr)

    def test_served_archive_fetches_and_verifies(self):
        if not BIN:
            self.skipTest("CUDAPKGS_BIN not set")
        server, port = mirror_server.start(self.out)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        entry = self.manifest["cuda_cudart"]["linux-x86_64"]
        dest = os.path.join(self.tmp, "cudart.tar.xz")
        p = subprocess.run([BIN, "fetch", f"http://127.0.0.1:{port}/cuda/redist/"
                            + entry["relative_path"], "--sha256", entry["sha256"],
                            "--size", entry["size"], "-o", dest, "--progress", "none"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sha256_file(dest), entry["sha256"])


if __name__ == "__main__":
    if not os.path.isdir("/usr/local/cuda/dist-info"):
        print("no pip-wheel CUDA install at /usr/local/cuda: skipping", file=sys.stderr)
        sys.exit(77)
    harness.unittest_main()
