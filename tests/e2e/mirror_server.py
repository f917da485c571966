#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A fault-injecting static mirror for the end-to-end tests (python3 stdlib only).

Serves a directory over HTTP (or HTTPS) on 127.0.0.1, port 0, with Range support (206), and
counts requests and body bytes per path. Faults are set per path (or "*" for every path)
through `POST /__faults` (JSON) or a JSON control file given with --faults (re-read when it
changes). Fault objects: {"mode": M, "count": N, ...} where M is one of

  404        answer 404 Not Found
  500        answer 500 for the first `count` requests (default 1), then serve normally
  reset      send half the body, then reset the connection (RST), first `count` (default 1)
  truncate   announce the full Content-Length, send half, close; first `count` (default 1)
  slow       drip the body at `rate` bytes/s (default 64); every request unless `count`
  corrupt    flip one byte in every 4096 of the body; every request unless `count`
  norange    ignore Range headers: always 200 with the full body
  redirect   answer 302 to `location`

A directory holding index.html is served as that page (a static server's index).
Control endpoints: GET /__stats (JSON: requests, bytes, ranges per path), POST /__stats/reset,
POST /__faults (merges; {"reset": true} clears), GET /__redirect?to=URL (302 to URL).

As a program it prints `PORT <n>` on stdout and serves until killed:
    mirror_server.py --root DIR [--https --cert C --key K] [--faults FILE]
As a module: `start(root, cert=None, key=None) -> (server, port)`; `server.shutdown()` stops.
"""

import argparse
import http.server
import json
import os
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import urllib.parse

CHUNK = 64 * 1024
DEFAULT_COUNTS = {"500": 1, "reset": 1, "truncate": 1}


class MirrorState:
    """Faults and statistics shared by the handler threads."""

    def __init__(self, root, faults_file=None):
        self.root = os.path.realpath(root)
        self.faults_file = faults_file
        self.faults_mtime = None
        self.lock = threading.Lock()
        self.faults = {}
        self.hits = {}  # (path, mode) -> requests the fault has affected
        self.requests = {}
        self.bytes = {}
        self.ranges = {}

    def reload_faults_file(self):
        if not self.faults_file:
            return
        try:
            mtime = os.stat(self.faults_file).st_mtime_ns
        except FileNotFoundError:
            return
        if mtime != self.faults_mtime:
            with open(self.faults_file, encoding="utf-8") as f:
                faults = json.load(f)
            with self.lock:
                self.faults = faults
                self.hits = {}
                self.faults_mtime = mtime

    def set_faults(self, update):
        with self.lock:
            if update.pop("reset", False):
                self.faults = {}
                self.hits = {}
            self.faults.update(update)

    def record(self, path, range_header):
        with self.lock:
            self.requests[path] = self.requests.get(path, 0) + 1
            self.ranges.setdefault(path, []).append(range_header)

    def add_bytes(self, path, n):
        with self.lock:
            self.bytes[path] = self.bytes.get(path, 0) + n

    def stats(self):
        with self.lock:
            return {"requests": dict(self.requests), "bytes": dict(self.bytes),
                    "ranges": dict(self.ranges)}

    def reset_stats(self):
        with self.lock:
            self.requests, self.bytes, self.ranges = {}, {}, {}

    def take_fault(self, path):
        """The fault that applies to this request (consuming one of its `count`), or None."""
        self.reload_faults_file()
        with self.lock:
            fault = self.faults.get(path) or self.faults.get("*")
            if not fault:
                return None
            mode = str(fault.get("mode"))
            count = fault.get("count", DEFAULT_COUNTS.get(mode, -1))
            key = (path, mode)
            used = self.hits.get(key, 0)
            if count >= 0 and used >= count:
                return None
            self.hits[key] = used + 1
            return dict(fault, mode=mode)


def parse_range(header, size):
    """(start, end) inclusive for `bytes=N-` / `bytes=N-M`; None if absent; 'bad' if invalid."""
    if not header:
        return None
    if not header.startswith("bytes=") or "," in header:
        return "bad"
    first, _, last = header[len("bytes="):].partition("-")
    try:
        if first == "":
            length = int(last)
            return (max(0, size - length), size - 1) if length > 0 else "bad"
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return "bad"
    if start >= size or end < start:
        return "bad"
    return start, min(end, size - 1)


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "cudapkgs-mirror/1"

    def log_message(self, format, *args):  # noqa: A002 - quiet unless asked
        if os.environ.get("MIRROR_SERVER_VERBOSE"):
            sys.stderr.write("mirror: " + (format % args) + "\n")

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass  # the connection was reset on purpose

    @property
    def state(self):
        return self.server.state

    def send_json(self, code, value):
        body = json.dumps(value).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b"{}"
        if self.path == "/__faults":
            self.state.set_faults(json.loads(body or b"{}"))
            self.send_json(200, {"faults": self.state.faults})
        elif self.path == "/__stats/reset":
            self.state.reset_stats()
            self.send_json(200, {})
        else:
            self.send_json(404, {"error": "unknown endpoint"})

    def do_HEAD(self):
        self.serve(head=True)

    def do_GET(self):
        self.serve(head=False)

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def serve(self, head):
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        if path == "/__stats":
            return self.send_json(200, self.state.stats())
        if path.startswith("/__redirect"):
            target = urllib.parse.parse_qs(url.query).get("to", [""])[0]
            return self.redirect(target)
        self.state.record(path, self.headers.get("Range"))
        fault = self.state.take_fault(path)
        mode = fault["mode"] if fault else None
        if mode == "404":
            return self.send_error(404)
        if mode == "500":
            return self.send_error(500)
        if mode == "redirect":
            return self.redirect(fault["location"])
        file_path = os.path.realpath(os.path.join(self.state.root, path.lstrip("/")))
        if os.path.isdir(file_path) and os.path.isfile(os.path.join(file_path, "index.html")):
            file_path = os.path.join(file_path, "index.html")  # like a static web server
        if not file_path.startswith(self.state.root + os.sep) or not os.path.isfile(file_path):
            return self.send_error(404)
        self.send_file(path, file_path, fault, head)

    def send_file(self, path, file_path, fault, head):
        mode = fault["mode"] if fault else None
        size = os.path.getsize(file_path)
        rng = None if mode == "norange" else parse_range(self.headers.get("Range"), size)
        if rng == "bad":
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            return self.end_headers()
        start, end = rng if rng else (0, size - 1)
        length = end - start + 1 if size else 0
        self.send_response(206 if rng else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "none" if mode == "norange" else "bytes")
        self.send_header("Content-Length", str(length))
        if rng:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if not head:
            self.send_body(path, file_path, start, length, fault)

    def send_body(self, path, file_path, start, length, fault):
        mode = fault["mode"] if fault else None
        cut = length // 2 if mode in ("reset", "truncate") else length
        rate = float(fault.get("rate", 64)) if mode == "slow" else None
        sent = 0
        with open(file_path, "rb") as f:
            f.seek(start)
            while sent < cut:
                step = min(CHUNK, cut - sent)
                if rate:
                    step = max(1, min(step, int(rate / 4)))
                data = f.read(step)
                if not data:
                    break
                if mode == "corrupt":
                    data = flip_bytes(data, start + sent)
                try:
                    self.wfile.write(data)
                    self.wfile.flush()
                except OSError:
                    break
                sent += len(data)
                self.state.add_bytes(path, len(data))
                if rate:
                    time.sleep(len(data) / rate)
        if mode == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        if mode in ("reset", "truncate"):
            self.close_connection = True


def flip_bytes(data, offset):
    """Inverts the byte at every multiple of 4096 (file offsets) inside `data`."""
    out = bytearray(data)
    first = (-offset) % 4096
    for i in range(first, len(out), 4096):
        out[i] ^= 0xFF
    return bytes(out)


class MirrorServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_self_signed_cert(directory):
    """Creates cert.pem/key.pem for 127.0.0.1 with `openssl req`; returns (cert, key)."""
    if shutil.which("openssl") is None:
        raise RuntimeError("openssl not found")
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


def start(root, cert=None, key=None, faults_file=None):
    """Serves `root` in a background thread; returns (server, port). HTTPS when cert is given."""
    server = MirrorServer(("127.0.0.1", 0), Handler)
    server.state = MirrorState(root, faults_file)
    if cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, server.server_address[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--https", action="store_true", help="serve TLS (needs --cert/--key)")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--faults", help="JSON control file, re-read when it changes")
    args = parser.parse_args()
    if args.https and not (args.cert and args.key):
        parser.error("--https needs --cert and --key")
    server, port = start(args.root, args.cert if args.https else None, args.key, args.faults)
    print(f"PORT {port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()


if __name__ == "__main__":
    main()
