#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the malformed-ELF corpus (invalid/*.elf) and a valid seed (valid-minimal.elf).

Every file is crafted from scratch here (no host binaries): a minimal ELF64 little-endian
shared object with one PT_LOAD, a PT_DYNAMIC (NEEDED, SONAME, RUNPATH, STRTAB, STRSZ) and a
string table, then one defect per invalid file. Re-run after changing a case:
    python3 tests/data/elf/make_corpus.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
EHDR, PHDR, DYN = 64, 56, 16
PT_LOAD, PT_DYNAMIC = 1, 2
DT_NULL, DT_NEEDED, DT_STRTAB, DT_STRSZ, DT_SONAME, DT_RUNPATH = 0, 1, 5, 10, 14, 29


def build(mutate=None):
    strtab = b"\0libc.so.6\0libtiny.so\0$ORIGIN\0"
    dyn_entries = [(DT_NEEDED, 1), (DT_SONAME, 11), (DT_RUNPATH, 22)]
    phoff = EHDR
    dyn_off = phoff + 2 * PHDR
    n_dyn = len(dyn_entries) + 3  # + STRTAB, STRSZ, NULL
    str_off = dyn_off + n_dyn * DYN
    size = str_off + len(strtab)
    dyn_entries += [(DT_STRTAB, str_off), (DT_STRSZ, len(strtab)), (DT_NULL, 0)]
    f = dict(
        ident=b"\x7fELF\x02\x01\x01" + b"\0" * 9, type=3, machine=62, phoff=phoff, shoff=0,
        phnum=2, phentsize=PHDR, shnum=0, shentsize=64, shstrndx=0,
        phdrs=[[PT_LOAD, 4, 0, 0, 0, size, size, 0x1000],
               [PT_DYNAMIC, 6, dyn_off, dyn_off, dyn_off, n_dyn * DYN, n_dyn * DYN, 8]],
        dyn=dyn_entries, strtab=strtab, dyn_off=dyn_off, str_off=str_off)
    if mutate:
        mutate(f)
    out = bytearray(f["ident"][:16].ljust(16, b"\0"))
    out += struct.pack("<HHIQQQIHHHHHH", f["type"], f["machine"], 1, 0, f["phoff"], f["shoff"],
                       0, EHDR, f["phentsize"], f["phnum"], f["shentsize"], f["shnum"],
                       f["shstrndx"])
    out = out.ljust(phoff, b"\0")
    for p in f["phdrs"]:
        out += struct.pack("<IIQQQQQQ", *p)
    out = out.ljust(f["dyn_off"], b"\0")
    for tag, val in f["dyn"]:
        out += struct.pack("<qQ", tag, val)
    out = out.ljust(f["str_off"], b"\0")
    out += f["strtab"]
    return bytes(out)


def set_field(name, value):
    def m(f):
        f[name] = value
    return m


def phdr(index, field, value):
    def m(f):
        f["phdrs"][index][field] = value
    return m


def dyn(index, value):
    def m(f):
        f["dyn"][index] = value
    return m


def overlapping(f):
    load = list(f["phdrs"][0])
    load[2:5] = [0, 0x80, 0x80]  # second PT_LOAD mapping into the first one's range
    load[7] = 0x1
    f["phdrs"].insert(1, load)
    f["phnum"] = 3
    f["dyn_off"] += PHDR
    f["str_off"] += PHDR
    f["phdrs"][2][2:5] = [f["dyn_off"]] * 3
    f["dyn"][3] = (DT_STRTAB, f["str_off"])


def unterminated(f):
    f["strtab"] = f["strtab"][:-1] + b"X"


def no_null(f):
    f["dyn"][-1] = (DT_STRSZ, len(f["strtab"]))


CASES = {
    "truncated-header": lambda: build()[:40],
    "truncated-program-headers": lambda: build()[:EHDR + PHDR + 10],
    "truncated-dynamic": lambda: build()[:EHDR + 2 * PHDR + 20],
    "truncated-strtab": lambda: build()[:-3],
    "phoff-absurd": lambda: build(set_field("phoff", 0xFFFFFFFFFFFFFF00)),
    "phnum-absurd": lambda: build(set_field("phnum", 0xFFF0)),
    "phentsize-wrong": lambda: build(set_field("phentsize", 40)),
    "shoff-absurd": lambda: build(set_field("shoff", 0x7FFFFFFFFFFFFFF0)),
    "segment-offset-absurd": lambda: build(phdr(0, 2, 0xFFFFFFFFFFFF0000)),
    "dynamic-size-absurd": lambda: build(phdr(1, 5, 1 << 40)),
    "strsz-absurd": lambda: build(dyn(4, (DT_STRSZ, 1 << 40))),
    "strtab-unmapped": lambda: build(dyn(3, (DT_STRTAB, 0x7FFF0000))),
    "needed-offset-absurd": lambda: build(dyn(0, (DT_NEEDED, 0xFFFFFF))),
    "load-misaligned": lambda: build(phdr(0, 3, 0x10)),
    "overlapping-segments": lambda: build(overlapping),
    "unterminated-strtab": lambda: build(unterminated),
    "dynamic-without-null": lambda: build(no_null),
    "bad-class": lambda: build(set_field("ident", b"\x7fELF\x07\x01\x01")),
}


def main():
    os.makedirs(os.path.join(HERE, "invalid"), exist_ok=True)
    for name, make in CASES.items():
        with open(os.path.join(HERE, "invalid", name + ".elf"), "wb") as fh:
            fh.write(make())
    with open(os.path.join(HERE, "valid-minimal.elf"), "wb") as fh:
        fh.write(build())


if __name__ == "__main__":
    main()
