#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`cudapkgs fetch` against the fault-injecting mirror: every fault, its exit code and message,
resume, file:// and offline, TLS and credentials (python3 stdlib only)."""

import hashlib
import json
import tarfile
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import mirror_server  # noqa: E402
import unsafe_archives  # noqa: E402

BIN = os.environ.get("CUDAPKGS_BIN")
SIZE = 300_000
FAST_ENV = {
    "CUDAPKGS_FETCH_RETRIES": "4",
    "CUDAPKGS_FETCH_BACKOFF_MS": "200",
    "CUDAPKGS_LOW_SPEED_TIME": "2",
    "CUDAPKGS_LOW_SPEED_LIMIT": "1000",
    "CUDAPKGS_CONNECT_TIMEOUT": "5",
}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class FetchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cudapkgs-fetch-e2e-")
        cls.root = os.path.join(cls.tmp, "mirror")
        os.makedirs(os.path.join(cls.root, "a"))
        os.makedirs(os.path.join(cls.root, "b"))
        cls.data = os.urandom(SIZE)
        cls.small = os.urandom(4000)
        cls.big = os.urandom(32 << 20)
        for rel, data in (("a/data.bin", cls.data), ("b/data.bin", cls.data),
                          ("a/small.bin", cls.small), ("a/big.bin", cls.big)):
            with open(os.path.join(cls.root, rel), "wb") as f:
                f.write(data)
        cls.server, cls.port = mirror_server.start(cls.root)
        cls.base = f"http://127.0.0.1:{cls.port}"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.post("/__faults", {"reset": True})
        self.post("/__stats/reset", {})
        self.work = tempfile.mkdtemp(dir=self.tmp)
        self.out = os.path.join(self.work, "out.bin")

    # helpers -------------------------------------------------------------------------------
    def post(self, path, value, base=None):
        req = urllib.request.Request((base or self.base) + path, data=json.dumps(value).encode(),
                                     method="POST")
        with urllib.request.urlopen(req) as r:
            return json.load(r)

    def stats(self, base=None):
        with urllib.request.urlopen((base or self.base) + "/__stats") as r:
            return json.load(r)

    def fault(self, path, mode, **extra):
        self.post("/__faults", {path: dict(mode=mode, **extra)})

    def fetch(self, *urls, data=None, size=None, extra=(), env=None, pre=()):
        data = self.data if data is None else data
        progress = [] if "--progress" in extra else ["--progress", "plain"]
        cmd = [BIN, *pre, "fetch", *urls, "--sha256", sha256(data),
               "--size", str(len(data) if size is None else size), "-o", self.out,
               *progress, *extra]
        full_env = dict(os.environ)
        full_env.pop("CUDAPKGS_CA_BUNDLE", None)
        full_env.update(FAST_ENV)
        full_env.update(env or {})
        start = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=120)
        p.elapsed = time.monotonic() - start
        return p

    def assert_ok(self, p, data=None):
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(self.out, "rb") as f:
            self.assertEqual(f.read(), self.data if data is None else data)
        self.assertFalse(os.path.exists(self.out + ".part"))

    def assert_nothing_left(self):
        self.assertEqual(os.listdir(self.work), [], "a failed download left files behind")

    def requests(self, path):
        return self.stats()["requests"].get(path, 0)

    # faults --------------------------------------------------------------------------------
    def test_plain_download(self):
        p = self.fetch(self.base + "/a/data.bin")
        self.assert_ok(p)
        self.assertEqual(self.stats()["bytes"]["/a/data.bin"], SIZE)

    def test_404_falls_back_to_next_mirror(self):
        self.fault("/a/data.bin", "404")
        p = self.fetch(self.base + "/a/data.bin", self.base + "/b/data.bin")
        self.assert_ok(p)
        self.assertEqual(self.requests("/a/data.bin"), 1, "a 404 must not be retried")
        self.assertEqual(self.requests("/b/data.bin"), 1)

    def test_404_everywhere_is_exit_4_listing_each_url(self):
        self.fault("*", "404")
        p = self.fetch(self.base + "/a/data.bin", self.base + "/b/data.bin")
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("every mirror failed", p.stderr)
        self.assertIn(f"note: {self.base}/a/data.bin: HTTP 404 Not Found", p.stderr)
        self.assertIn(f"note: {self.base}/b/data.bin: HTTP 404 Not Found", p.stderr)
        self.assert_nothing_left()

    def test_500_then_ok_is_retried(self):
        self.fault("/a/data.bin", "500", count=2)
        p = self.fetch(self.base + "/a/data.bin")
        self.assert_ok(p)
        self.assertEqual(self.requests("/a/data.bin"), 3)
        self.assertIn("HTTP 500", p.stderr)  # the plain progress lines report each retry

    def test_500_forever_gives_up_after_the_attempts(self):
        self.fault("/a/data.bin", "500", count=-1)
        p = self.fetch(self.base + "/a/data.bin")
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("HTTP 500 Internal Server Error (after 4 attempts)", p.stderr)
        self.assertEqual(self.requests("/a/data.bin"), 4)
        self.assert_nothing_left()

    def test_connection_reset_is_retried(self):
        self.fault("/a/data.bin", "reset")
        p = self.fetch(self.base + "/a/data.bin")
        self.assert_ok(p)
        self.assertEqual(self.requests("/a/data.bin"), 2)

    def test_truncated_body_resumes(self):
        self.fault("/a/data.bin", "truncate")
        p = self.fetch(self.base + "/a/data.bin")
        self.assert_ok(p)
        st = self.stats()
        self.assertEqual(st["requests"]["/a/data.bin"], 2)
        self.assertEqual(st["ranges"]["/a/data.bin"], [None, f"bytes={SIZE // 2}-"])
        self.assertEqual(st["bytes"]["/a/data.bin"], SIZE, "only the missing half is re-sent")

    def test_slow_drip_times_out_with_exit_4(self):
        self.fault("/a/small.bin", "slow", rate=100)
        p = self.fetch(self.base + "/a/small.bin", data=self.small,
                       env={"CUDAPKGS_FETCH_RETRIES": "2"})
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("too slow", p.stderr)
        self.assertIn("(after 2 attempts)", p.stderr)
        self.assertLess(p.elapsed, 20)
        # The slow bytes are kept for a later resume, and the error says where.
        self.assertIn(".part and are resumed next time", p.stderr)

    def test_wrong_bytes_are_exit_5_and_leave_nothing(self):
        self.fault("/a/data.bin", "corrupt")
        p = self.fetch(self.base + "/a/data.bin")
        self.assertEqual(p.returncode, 5, p.stderr)
        self.assertIn(f"hash mismatch for {self.base}/a/data.bin", p.stderr)
        self.assertIn(f"expected sha256:{sha256(self.data)}, {SIZE} bytes", p.stderr)
        with open(os.path.join(self.root, "a/data.bin"), "rb") as f:
            corrupted = mirror_server.flip_bytes(f.read(), 0)
        self.assertIn(f"got      sha256:{sha256(corrupted)}, {SIZE} bytes", p.stderr)
        self.assert_nothing_left()

    def test_oversized_body_is_stopped_early(self):
        p = self.fetch(self.base + "/a/big.bin", data=self.big, size=1000)
        self.assertEqual(p.returncode, 5, p.stderr)
        self.assertIn(f"size mismatch for {self.base}/a/big.bin", p.stderr)
        self.assertIn("got      more than 1000 bytes (download stopped)", p.stderr)
        # Stopped at once: far less than the 32 MiB body left the server (socket buffers aside).
        self.assertLess(self.stats()["bytes"]["/a/big.bin"], len(self.big) // 2)
        self.assert_nothing_left()

    def test_server_without_range_support_restarts_from_zero(self):
        self.write_part(self.data[:100_000])
        self.fault("/a/data.bin", "norange")
        p = self.fetch(self.base + "/a/data.bin")
        self.assert_ok(p)
        st = self.stats()
        self.assertEqual(st["ranges"]["/a/data.bin"], ["bytes=100000-"])
        self.assertEqual(st["bytes"]["/a/data.bin"], SIZE)

    def test_resume_from_existing_part_sends_only_the_rest(self):
        self.write_part(self.data[:123_456])
        p = self.fetch(self.base + "/a/data.bin")
        self.assert_ok(p)
        st = self.stats()
        self.assertEqual(st["ranges"]["/a/data.bin"], ["bytes=123456-"])
        self.assertEqual(st["bytes"]["/a/data.bin"], SIZE - 123_456)

    def test_bad_existing_part_is_redownloaded(self):
        self.write_part(b"\0" * 50_000)
        p = self.fetch(self.base + "/a/data.bin")
        self.assert_ok(p)
        self.assertEqual(self.stats()["ranges"]["/a/data.bin"], ["bytes=50000-", None])

    def test_complete_part_is_verified_without_network(self):
        self.write_part(self.data)
        p = self.fetch(self.base + "/a/data.bin")
        self.assert_ok(p)
        self.assertEqual(self.requests("/a/data.bin"), 0)

    def test_concurrent_processes_download_once(self):
        # The .part lock makes the others wait, then find the verified file in place.
        self.fault("/a/data.bin", "slow", rate=400_000)
        env = dict(os.environ, **FAST_ENV)
        cmd = [BIN, "--json", "fetch", self.base + "/a/data.bin", "--sha256", sha256(self.data),
               "--size", str(SIZE), "-o", self.out, "--progress", "none"]
        procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env) for _ in range(4)]
        outputs = [p.communicate(timeout=60) for p in procs]
        for p, (out, err) in zip(procs, outputs):
            self.assertEqual(p.returncode, 0, err)
        present = [json.loads(out)["alreadyPresent"] for out, _ in outputs]
        self.assertEqual(present.count(False), 1, outputs)
        self.assertEqual(self.stats()["bytes"]["/a/data.bin"], SIZE)
        self.assert_ok(procs[0])

    def test_unsafe_archives_are_served_verbatim(self):
        # Fetch only verifies bytes; refusing the entries is unpack's job (exit 5 there).
        expected = {"dotdot": "../../escape.txt", "symlink_escape": "../../../../etc/passwd",
                    "hardlink_escape": "../../outside.txt"}
        for kind, needle in expected.items():
            path = os.path.join(self.root, "a", f"{kind}.tar.xz")
            digest, size = unsafe_archives.write(path, kind)
            p = subprocess.run([BIN, "fetch", f"{self.base}/a/{kind}.tar.xz", "--sha256", digest,
                                "--size", str(size), "-o", self.out, "--progress", "none"],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            with tarfile.open(self.out) as tar:
                members = tar.getmembers()
            self.assertTrue(any(needle in m.name or needle == m.linkname for m in members),
                            [(m.name, m.linkname) for m in members])
            os.remove(self.out)

    def write_part(self, data):
        with open(self.out + ".part", "wb") as f:
            f.write(data)

    # file:// and offline -------------------------------------------------------------------
    def test_file_url(self):
        p = self.fetch("file://" + os.path.join(self.root, "a/data.bin"))
        self.assert_ok(p)

    def test_file_url_is_verified(self):
        p = self.fetch("file://" + os.path.join(self.root, "a/data.bin"), data=b"x" * SIZE)
        self.assertEqual(p.returncode, 5, p.stderr)
        self.assert_nothing_left()

    def test_offline_refuses_http(self):
        p = self.fetch(self.base + "/a/data.bin", pre=["--offline"])
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("offline", p.stderr)
        self.assertIn("mirror sync", p.stderr)
        self.assertEqual(self.stats()["requests"], {})
        self.assert_nothing_left()

    def test_offline_uses_file_mirror(self):
        p = self.fetch(self.base + "/a/data.bin", "file://" + os.path.join(self.root, "b/data.bin"),
                       pre=["--offline"])
        self.assert_ok(p)
        self.assertEqual(self.stats()["requests"], {})

    # TLS -----------------------------------------------------------------------------------
    def start_https(self, faults=None):
        certs = tempfile.mkdtemp(dir=self.tmp)
        cert, key = mirror_server.make_self_signed_cert(certs)
        faults_file = os.path.join(certs, "faults.json")
        with open(faults_file, "w", encoding="utf-8") as f:
            json.dump(faults or {}, f)
        server, port = mirror_server.start(self.root, cert=cert, key=key, faults_file=faults_file)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return cert, f"https://127.0.0.1:{port}"

    def test_https_needs_the_ca(self):
        cert, base = self.start_https()
        p = self.fetch(base + "/a/data.bin")
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertRegex(p.stderr, "(?i)certificate")
        self.assertIn("pass --cacert FILE or set CUDAPKGS_CA_BUNDLE", p.stderr)
        self.assertFalse(os.path.exists(self.out))
        p = self.fetch(base + "/a/data.bin", pre=["--cacert", cert])
        self.assert_ok(p)
        os.remove(self.out)
        p = self.fetch(base + "/a/data.bin", env={"CUDAPKGS_CA_BUNDLE": cert})
        self.assert_ok(p)

    def test_https_to_http_redirect_is_refused(self):
        target = self.base + "/a/data.bin"
        cert, base = self.start_https({"/moved/data.bin": {"mode": "redirect",
                                                           "location": target}})
        p = self.fetch(f"{base}/moved/data.bin", pre=["--cacert", cert])
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn(f"refused redirect from https to {target}", p.stderr)
        self.assertEqual(self.requests("/a/data.bin"), 0)

    def test_http_to_http_redirect_is_followed(self):
        p = self.fetch(f"{self.base}/__redirect?to={self.base}/b/data.bin")
        self.assert_ok(p)

    # credentials and progress --------------------------------------------------------------
    def test_credentials_never_printed(self):
        secret = "s3cr3tPassw0rd"
        url = f"http://alice:{secret}@127.0.0.1:{self.port}/a/data.bin?token=t0kenvalue"
        self.fault("/a/data.bin", "404")
        p = self.fetch(url, pre=["-vv"])
        self.assertEqual(p.returncode, 4)
        self.assertNotIn(secret, p.stderr + p.stdout)
        self.assertNotIn("t0kenvalue", p.stderr + p.stdout)
        self.assertIn(f"http://***@127.0.0.1:{self.port}/a/data.bin?token=***", p.stderr)
        self.post("/__faults", {"reset": True})
        p = self.fetch(url, pre=["-vv", "--json"], extra=["--progress", "json"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(secret, p.stderr + p.stdout)
        self.assertEqual(json.loads(p.stdout)["url"],
                         f"http://***@127.0.0.1:{self.port}/a/data.bin?token=***")

    def test_progress_json_events(self):
        p = self.fetch(self.base + "/a/data.bin", extra=["--progress", "json"])
        self.assertEqual(p.returncode, 0, p.stderr)
        events = [json.loads(line) for line in p.stderr.splitlines() if line.startswith("{")]
        phases = [e["phase"] for e in events]
        self.assertEqual(phases[0], "started")
        self.assertEqual(phases[-1], "finished")
        self.assertEqual(events[-1]["done"], SIZE)
        self.assertEqual(events[-1]["total"], SIZE)


if __name__ == "__main__":
    if not BIN:
        print("CUDAPKGS_BIN is not set", file=sys.stderr)
        sys.exit(77)
    harness.unittest_main()
