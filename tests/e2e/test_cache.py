#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`cudapkgs cache`: keygen, push to a file:// cache and to a real nginx with WebDAV, pull
into a second store in another directory, load the pulled libraries, and refuse tampered,
truncated, unsigned and wrongly signed entries without registering anything."""
import ctypes
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("CUDAPKGS_BIN", "cudapkgs")
ENV = dict(os.environ, CUDAPKGS_FETCH_RETRIES="2", CUDAPKGS_FETCH_BACKOFF_MS="10",
           CUDAPKGS_CONNECT_TIMEOUT="5", NO_COLOR="1")


def run(*args, expect=0, store=None):
    cmd = [BIN] + (["--store", store] if store else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    assert p.returncode == expect, f"{cmd}: rc {p.returncode} (want {expect})\n{p.stdout}\n{p.stderr}"
    return p


def compile_libs(tmp, store):
    """libdep.so in one store path; libtop.so in another, with NEEDED libdep.so and a RUNPATH
    relative to $ORIGIN that reaches the dependency's store path (as the builder writes it)."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        print("no C compiler; skipping")
        sys.exit(77)
    src = os.path.join(tmp, "src")
    os.makedirs(src)
    with open(os.path.join(src, "dep.c"), "w") as f:
        f.write("int dep_value(void) { return 41; }\n")
    with open(os.path.join(src, "top.c"), "w") as f:
        f.write("int dep_value(void);\nint top_value(void) { return dep_value() + 1; }\n")
    dep_dir = os.path.join(tmp, "dep-tree")
    os.makedirs(os.path.join(dep_dir, "lib"))
    subprocess.run([cc, "-shared", "-fPIC", "-o", os.path.join(dep_dir, "lib", "libdep.so"),
                    os.path.join(src, "dep.c")], check=True)
    os.makedirs(os.path.join(dep_dir, "share", "empty-dir"))
    os.symlink("libdep.so", os.path.join(dep_dir, "lib", "libdep.so.1"))
    dep = run("store", "add-dir", dep_dir, "--name", "dep-1.0", store=store).stdout.strip()
    top_dir = os.path.join(tmp, "top-tree")
    os.makedirs(os.path.join(top_dir, "lib"))
    runpath = "$ORIGIN/../../" + os.path.basename(dep) + "/lib"
    subprocess.run([cc, "-shared", "-fPIC", "-o", os.path.join(top_dir, "lib", "libtop.so"),
                    os.path.join(src, "top.c"), "-L" + os.path.join(dep_dir, "lib"), "-ldep",
                    "-Wl,--enable-new-dtags,-rpath," + runpath], check=True)
    top = run("store", "add-dir", top_dir, "--name", "top-2.0", "--ref", dep,
              store=store).stdout.strip()
    return os.path.basename(dep), os.path.basename(top)


def check_loads(store, top):
    lib = ctypes.CDLL(os.path.join(store, top, "lib", "libtop.so"))
    assert lib.top_value() == 42


def listing(store):
    return json.loads(run("store", "ls", "--json", store=store).stdout)


def assert_empty_and_clean(store):
    assert listing(store) == [], listing(store)
    run("store", "verify", store=store)


def test_keygen(tmp):
    keys = os.path.join(tmp, "keys")
    p = run("cache", "keygen", "ci-1", "--out-dir", keys)
    pub = open(os.path.join(keys, "ci-1.public")).read()
    secret = open(os.path.join(keys, "ci-1.secret")).read()
    assert p.stdout == pub, (p.stdout, pub)
    assert re.fullmatch(r"ci-1:[A-Za-z0-9+/]{43}=\n", pub), pub
    assert re.fullmatch(r"ci-1:[A-Za-z0-9+/]{86}==\n", secret)
    assert stat.S_IMODE(os.stat(os.path.join(keys, "ci-1.secret")).st_mode) == 0o600
    run("cache", "keygen", "ci-1", "--out-dir", keys, expect=3)  # never overwrites
    run("cache", "keygen", "other", "--out-dir", keys)
    return (os.path.join(keys, "ci-1.secret"), pub.strip(),
            open(os.path.join(keys, "other.public")).read().strip(),
            os.path.join(keys, "other.secret"))


def pull(url, store, top, trusted, expect=0, extra=()):
    return run("--option", "trusted-public-keys", trusted, *extra, "cache", "pull", url, top,
               store=store, expect=expect)


def test_file_cache(tmp, store_a, dep, top, secret, pub):
    cache = os.path.join(tmp, "file-cache")
    url = "file://" + cache
    out = run("cache", "push", url, top, "--key", secret, store=store_a).stdout
    assert f"uploaded {dep}" in out and f"uploaded {top}" in out, out
    assert f"present  {top}" in run("cache", "push", url, top, "--key", secret,
                                    store=store_a).stdout
    assert not [n for n in os.listdir(cache) if n.startswith(".tmp")]
    store_b = os.path.join(tmp, "machine-b", "somewhere", "store")
    p = pull(url, store_b, top, pub)
    assert p.stdout.strip() == os.path.join(store_b, top)
    check_loads(store_b, top)
    a = {e["path"].split("/")[-1]: e["hash"] for e in listing(store_a)}
    b = {e["path"].split("/")[-1]: e["hash"] for e in listing(store_b)}
    assert a == b, (a, b)
    run("store", "verify", store=store_b)
    # A flipped archive byte over file:// is refused with exit 5.
    info = open(os.path.join(cache, top[:32] + ".cpinfo")).read()
    archive = os.path.join(cache, re.search(r"ArchivePath: (\S+)", info).group(1))
    data = bytearray(open(archive, "rb").read())
    data[len(data) // 2] ^= 1
    open(archive, "wb").write(bytes(data))
    store_c = os.path.join(tmp, "file-tampered")
    p = pull(url, store_c, top, pub, expect=5)
    assert "substituter " + url in p.stderr, p.stderr
    assert_empty_and_clean(store_c)


class Nginx:
    """A real nginx serving `root` with WebDAV PUT/MOVE on 127.0.0.1."""

    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "nginx")
        self.root = os.path.join(self.dir, "www")
        os.makedirs(self.root)
        self.proc = None
        for _ in range(5):
            self.port = free_port()
            if self.start():
                return
        raise AssertionError("nginx did not start:\n" + self.log())

    def conf(self):
        user = "user root;\n" if os.geteuid() == 0 else ""
        d = self.dir
        temps = "".join(f"    {m}_temp_path {d}/{m}_temp;\n"
                        for m in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
                        if f"--without-http_{m}_module" not in nginx_flags())
        return f"""{user}worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {d}/access.log;
{temps}    server {{
        listen 127.0.0.1:{self.port};
        root {self.root};
        location / {{
            dav_methods PUT DELETE MKCOL COPY MOVE;
            create_full_put_path on;
            client_max_body_size 0;
            dav_access user:rw group:r all:r;
        }}
    }}
}}
"""

    def start(self):
        with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
            f.write(self.conf())
        self.proc = subprocess.Popen(
            ["nginx", "-p", self.dir, "-c", os.path.join(self.dir, "nginx.conf"), "-e",
             os.path.join(self.dir, "error.log")], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False  # e.g. the port was taken meanwhile
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.05)
        self.stop()
        return False

    def log(self):
        try:
            return open(os.path.join(self.dir, "error.log")).read()[-3000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def url(self, prefix):
        return f"http://127.0.0.1:{self.port}/{prefix}"


_flags = None


def nginx_flags():
    global _flags
    if _flags is None:
        _flags = subprocess.run(["nginx", "-V"], capture_output=True, text=True).stderr
    return _flags


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tamper_copy(nginx, name, top, dep, edit):
    """A copy of the pushed cache under /<name>, changed by edit(dir, top_info, dep_info)."""
    src = os.path.join(nginx.root, "cache")
    dst = os.path.join(nginx.root, name)
    shutil.copytree(src, dst)
    edit(dst, os.path.join(dst, top[:32] + ".cpinfo"), os.path.join(dst, dep[:32] + ".cpinfo"))
    return nginx.url(name)


def archive_of(cache, info_file):
    return os.path.join(cache, re.search(r"ArchivePath: (\S+)", open(info_file).read()).group(1))


def flip_archive(cache, top_info, dep_info):
    path = archive_of(cache, top_info)
    data = bytearray(open(path, "rb").read())
    data[len(data) // 3] ^= 0x40
    open(path, "wb").write(bytes(data))


def flip_metadata(cache, top_info, dep_info):
    text = open(top_info).read()
    # One hex digit of the content hash: still well-formed, so only the signature catches it.
    i = text.index("ContentHash: sha256:") + len("ContentHash: sha256:")
    text = text[:i] + ("0" if text[i] != "0" else "1") + text[i + 1:]
    open(top_info, "w").write(text)


def swap_signatures(cache, top_info, dep_info):
    a, b = open(top_info).read(), open(dep_info).read()
    sig_a = re.search(r"^Sig: .*$", a, re.M).group(0)
    sig_b = re.search(r"^Sig: .*$", b, re.M).group(0)
    open(top_info, "w").write(a.replace(sig_a, sig_b))
    open(dep_info, "w").write(b.replace(sig_b, sig_a))


def truncate_archive(cache, top_info, dep_info):
    path = archive_of(cache, top_info)
    os.truncate(path, os.path.getsize(path) // 2)


def test_http_cache(tmp, store_a, dep, top, secret, pub, other_pub, other_secret):
    if shutil.which("nginx") is None:
        print("nginx is not installed (scripts/install-deps installs nginx-light); skipping")
        return False
    nginx = Nginx(tmp)
    try:
        url = nginx.url("cache")
        out = run("cache", "push", url, top, "--key", secret, store=store_a).stdout
        assert f"uploaded {dep}" in out and f"uploaded {top}" in out, out
        served = os.path.join(nginx.root, "cache")
        names = sorted(os.listdir(served))
        assert names == sorted(["archives", top[:32] + ".cpinfo", dep[:32] + ".cpinfo"]), names
        assert not [n for n in os.listdir(os.path.join(served, "archives")) if n.startswith(".")]
        assert len(os.listdir(os.path.join(served, "archives"))) == 2
        out = run("cache", "push", url, top, "--key", secret, store=store_a).stdout
        assert f"present  {top}" in out and f"present  {dep}" in out, out
        access = open(os.path.join(nginx.dir, "access.log")).read()
        assert '"MOVE /cache/' in access and '"PUT /cache/' in access, access

        # Pull over HTTP into a store in another directory and run the library from there.
        store_b = os.path.join(tmp, "http-b", "deeper", "store")
        pull(url, store_b, top, pub)
        check_loads(store_b, top)
        run("store", "verify", store=store_b)
        assert len(listing(store_b)) == 2

        # An unreachable substituter first, then the good one: falls back, with a warning.
        store_fb = os.path.join(tmp, "http-fallback")
        dead = f"http://127.0.0.1:{free_port()}/nothing"
        p = pull(dead, store_fb, top, pub, extra=("--substituter", url))
        assert "substituter " + dead in p.stderr, p.stderr
        check_loads(store_fb, top)

        cases = {"flip-archive": flip_archive, "flip-metadata": flip_metadata,
                 "swap-signatures": swap_signatures, "truncated": truncate_archive}
        for name, edit in cases.items():
            bad = tamper_copy(nginx, name, top, dep, edit)
            store_t = os.path.join(tmp, "tampered-" + name)
            p = pull(bad, store_t, top, pub, expect=5)
            assert f"substituter {bad}" in p.stderr, (name, p.stderr)
            assert_empty_and_clean(store_t)

        # Signed by a key the client does not trust, and unsigned: refused by default.
        store_w = os.path.join(tmp, "wrong-key")
        p = pull(url, store_w, top, other_pub, expect=5)
        assert "no signature verifies with a trusted public key" in p.stderr, p.stderr
        assert_empty_and_clean(store_w)
        unsigned = nginx.url("unsigned")
        p = run("cache", "push", unsigned, top, store=store_a)
        assert "unsigned" in p.stderr, p.stderr
        store_u = os.path.join(tmp, "unsigned")
        p = pull(unsigned, store_u, top, pub, expect=5)
        assert "it is unsigned" in p.stderr, p.stderr
        assert_empty_and_clean(store_u)
        p = pull(unsigned, store_u, top, pub, extra=("--no-require-sigs",))
        assert "without a trusted signature" in p.stderr, p.stderr
        check_loads(store_u, top)

        # A second signer pushing to the same cache finds everything present.
        out = run("cache", "push", url, top, "--key", other_secret, store=store_a).stdout
        assert "uploaded" not in out, out
    finally:
        nginx.stop()
    return True


def main():
    with tempfile.TemporaryDirectory(prefix="cudapkgs-cache-") as tmp:
        store_a = os.path.join(tmp, "machine-a", "store")
        secret, pub, other_pub, other_secret = test_keygen(tmp)
        dep, top = compile_libs(tmp, store_a)
        check_loads(store_a, top)
        test_file_cache(tmp, store_a, dep, top, secret, pub)
        had_nginx = test_http_cache(tmp, store_a, dep, top, secret, pub, other_pub,
                                    other_secret)
    if not had_nginx:
        return 77
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
