#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes NVIDIA-layout .tar.xz archives with one unsafe entry each, for the unpack/build e2e
tests (python3 stdlib only). Each archive also holds a harmless `<top>/LICENSE`.

    python3 unsafe_archives.py OUT_DIR [KIND...]   # prints "<kind> <path> <sha256> <size>"

Kinds (all must be refused with exit 5, except `setuid`, whose bits must be dropped):
  dotdot            <top>/../../escape.txt
  absolute          /tmp/cudapkgs-absolute-escape.txt
  symlink_escape    <top>/lib/evil -> ../../../../etc/passwd
  symlink_abs       <top>/lib/evil -> /etc/passwd
  symlink_traverse  <top>/lib -> /tmp, then <top>/lib/through-link.txt (write through a link)
  hardlink_escape   <top>/lib/hard hard-linked to ../../outside.txt
  device            <top>/dev/null-copy, a character device
  fifo              <top>/pipe, a FIFO
  setuid            <top>/bin/tool with mode 4755 (allowed; the bit must be dropped)
"""

import hashlib
import io
import lzma
import os
import sys
import tarfile

KINDS = ["dotdot", "absolute", "symlink_escape", "symlink_abs", "symlink_traverse",
         "hardlink_escape", "device", "fifo", "setuid"]


def _info(name, kind=tarfile.REGTYPE, size=0, mode=0o644, link=""):
    info = tarfile.TarInfo(name)
    info.type, info.size, info.mode, info.linkname = kind, size, mode, link
    info.mtime, info.uid, info.gid = 0, 0, 0
    return info


def _entries(kind, top):
    payload = b"payload\n"
    if kind == "dotdot":
        return [(_info(f"{top}/../../escape.txt", size=len(payload)), payload)]
    if kind == "absolute":
        return [(_info("/tmp/cudapkgs-absolute-escape.txt", size=len(payload)), payload)]
    if kind == "symlink_escape":
        return [(_info(f"{top}/lib/evil", tarfile.SYMTYPE, link="../../../../etc/passwd"), None)]
    if kind == "symlink_abs":
        return [(_info(f"{top}/lib/evil", tarfile.SYMTYPE, link="/etc/passwd"), None)]
    if kind == "symlink_traverse":
        return [(_info(f"{top}/lib", tarfile.SYMTYPE, link="/tmp"), None),
                (_info(f"{top}/lib/through-link.txt", size=len(payload)), payload)]
    if kind == "hardlink_escape":
        return [(_info(f"{top}/lib/hard", tarfile.LNKTYPE, link="../../outside.txt"), None)]
    if kind == "device":
        info = _info(f"{top}/dev/null-copy", tarfile.CHRTYPE)
        info.devmajor, info.devminor = 1, 3
        return [(info, None)]
    if kind == "fifo":
        return [(_info(f"{top}/pipe", tarfile.FIFOTYPE), None)]
    if kind == "setuid":
        return [(_info(f"{top}/bin/tool", size=len(payload), mode=0o4755), payload)]
    raise ValueError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")


def write(path, kind, top="cuda_evil-linux-x86_64-1.0.0-archive"):
    """Writes the archive for `kind` to `path`; returns (sha256, size)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        licence = b"licence\n"
        tar.addfile(_info(f"{top}/LICENSE", size=len(licence)), io.BytesIO(licence))
        for info, data in _entries(kind, top):
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    data = lzma.compress(raw.getvalue(), preset=1)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest(), len(data)


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    out, kinds = argv[0], argv[1:] or KINDS
    for kind in kinds:
        path = os.path.join(out, f"{kind}.tar.xz")
        digest, size = write(path, kind)
        print(f"{kind} {path} {digest} {size}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
