# SPDX-License-Identifier: Apache-2.0
"""Programmatic mutations of valid JSON inputs, each one invalid by construction."""
import copy
import json


def _string_fields(node, path=()):
    """Paths of every string value below `node`."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _string_fields(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _string_fields(v, path + (i,))
    elif isinstance(node, str):
        yield path


def _set(doc, path, value):
    d = doc
    for k in path[:-1]:
        d = d[k]
    d[path[-1]] = value


def _delete(doc, path):
    d = doc
    for k in path[:-1]:
        d = d[k]
    del d[path[-1]]


def text_mutations(text, rng, truncations, flips):
    """Truncated files and files with a byte >= 0x80 inserted (ill-formed UTF-8 in ASCII JSON)."""
    data = text.encode()
    out = [("empty file", b""), ("not an object", b"[1, 2]"), ("bare string", b'"x"')]
    for _ in range(truncations):
        cut = rng.randrange(1, len(data) - 1)
        out.append((f"truncated at {cut}", data[:cut]))
    for _ in range(flips):
        at = rng.randrange(0, len(data))
        out.append((f"byte 0x{0x80 + at % 128:02x} inserted at {at}", data[:at] + bytes([0x80 + at % 128]) + data[at:]))
    return out


def manifest_mutations(manifest, packages, rng, count):
    """At least `count` invalid variants of an NVIDIA redistrib manifest (bytes)."""
    out = []
    archives = [(p, plat) for p in packages for plat, v in manifest[p].items() if isinstance(v, dict)]
    bad_sizes = ["-1", "-84024", "abc", "", "1e6", "0x10", " 12", "99999999999999999999", "1.5"]
    bad_hashes = ["", "0" * 63, "0" * 65, "g" * 64, "Z" + "0" * 63, "00 " * 21 + "0"]
    wrong_types = [1, 1.5, True, None, [], {}, ["x"]]
    for i, (p, plat) in enumerate(archives):
        for key in ("relative_path", "sha256", "size"):
            doc = copy.deepcopy(manifest)
            _delete(doc, (p, plat, key))
            out.append((f"{p}.{plat}: {key} deleted", doc))
        doc = copy.deepcopy(manifest)
        doc[p][plat]["size"] = bad_sizes[i % len(bad_sizes)]
        out.append((f"{p}.{plat}: size {doc[p][plat]['size']!r}", doc))
        doc = copy.deepcopy(manifest)
        doc[p][plat]["sha256"] = bad_hashes[i % len(bad_hashes)]
        out.append((f"{p}.{plat}: sha256 {doc[p][plat]['sha256'][:8]!r}…", doc))
        doc = copy.deepcopy(manifest)
        doc[p][plat]["relative_path"] = ["../../etc/passwd", "/etc/passwd", "a/../../b"][i % 3]
        out.append((f"{p}.{plat}: unsafe relative_path", doc))
    for p in packages:
        doc = copy.deepcopy(manifest)
        del doc[p]["version"]
        out.append((f"{p}: version deleted", doc))
        doc = copy.deepcopy(manifest)
        doc[p] = wrong_types[len(out) % len(wrong_types)]
        out.append((f"{p}: package replaced by {json.dumps(doc[p])}", doc))
    strings = list(_string_fields(manifest))
    rng.shuffle(strings)
    for path in strings[: max(0, count - len(out))]:
        doc = copy.deepcopy(manifest)
        _set(doc, path, wrong_types[len(out) % len(wrong_types)])
        out.append((f"{'.'.join(map(str, path))}: type changed", doc))
    encoded = [(name, json.dumps(doc).encode()) for name, doc in out]
    extra = max(20, (count - len(encoded)) // 2)
    return encoded + text_mutations(json.dumps(manifest), rng, truncations=extra, flips=extra)


def config_mutations(rng):
    base = {"allowUnfree": True, "cudaCapabilities": ["8.6"]}
    cases = [{"allowUnfree": "yes"}, {"allowUnfree": 1}, {"cudaCapabilities": "8.6"},
             {"cudaCapabilities": [8.6]}, {"cudaCapabilities": ["abc"]}, {"cudaCapabilities": ["8.6.1"]},
             {"cudaCapabilities": [["8.6"]]}, {"allowUnfreeLicenses": "CUDA EULA"},
             {"allowUnfreeLicenses": [1]}, {"cudaForwardCompat": "no"}, {"driverLibDir": 5},
             {"overlays": "x.json"}, {"overlays": [1]}, {"cudaSupport": "true"},
             {"allowUnfre": True}, {"cudaCapabilties": ["8.6"]}, {"": 1}]
    out = [(f"config {json.dumps(c)}", json.dumps(dict(base, **c)).encode()) for c in cases]
    out.append(("config is a list", b"[]"))
    return out + text_mutations(json.dumps(base, indent=1), rng, truncations=6, flips=6)


def fixup_mutations(fixup, rng):
    """Invalid variants of a fixup file (a dict with "rules")."""
    rule_cases = [{"outputs": {"add": "lib"}}, {"outputs": {"add": ["nosuchoutput"]}},
                  {"outputs": {"bogus": []}}, {"ignoreMissing": "libcuda.so*"}, {"ignoreMissing": [1]},
                  {"dependencies": "cuda_cccl"}, {"dependencies": [5]}, {"when": {"cuda": ">=abc"}},
                  {"when": {"cuda": 13}}, {"when": {"platform": ["x"]}}, {"when": {"nosuch": 1}},
                  {"symlinks": [{"path": "/abs", "target": "x"}]}, {"symlinks": [{"path": "../x", "target": "y"}]},
                  {"symlinks": "x"}, {"move": [{"from": "../a", "to": "b"}]}, {"move": [{"from": "a"}]},
                  {"remove": ["/etc"]}, {"remove": "x"}, {"substitute": [{"file": "../x", "append": ["a"]}]},
                  {"substitute": [{"file": "x", "replace": "y"}]}, {"license": "free"},
                  {"license": {"shortName": 1}}, {"minCuda": "abc"}, {"maxCuda": []}, {"broken": 5},
                  {"mainProgram": ["nvcc"]}, {"elf": {"addNeeded": "x"}}, {"elf": {"bogus": []}},
                  {"outputPatterns": {"stubs": "lib/stubs"}}, {"postInstall": ["echo"]}, {"depencies": []}]
    out = []
    for case in rule_cases:
        doc = copy.deepcopy(fixup)
        doc["rules"].append(case)
        out.append((f"rule {json.dumps(case)}", json.dumps(doc).encode()))
    for top in ({"rules": {}}, {"rules": [1]}, {"rules": "x"}, {"rulez": []}, {"description": 5, "rules": []}):
        out.append((f"top {json.dumps(top)}", json.dumps(top).encode()))
    return out + text_mutations(json.dumps(fixup, indent=1), rng, truncations=5, flips=5)


def overlay_mutations(rng):
    src = {"url": "file:///srv/x.tar.xz", "sha256": "1" * 64, "size": 1}
    base = {"packages": {"cuda_compat": None, "my_tool": {"version": "1.0", "src": src}}}
    pkg_cases = [{"version": 1, "src": src}, {"src": src}, {"version": "1.0"},
                 {"version": "1.0", "src": dict(src, sha256="xyz")}, {"version": "1.0", "src": dict(src, size=-1)},
                 {"version": "1.0", "src": dict(src, size="1")}, {"version": "1.0", "src": dict(src, url=5)},
                 {"version": "1.0", "src": "file:///x"}, {"version": "", "src": src},
                 {"version": "1.0", "src": src, "rules": {}}, {"version": "1.0", "src": src, "rules": [{"bogus": 1}]},
                 {"version": "1.0", "src": src, "rules": [{"dependencies": "x"}]}, {"version": "1.0", "src": src, "extra": 1},
                 {"version": "1.0", "src": dict(src, sha256="")}, {"version": "1.0", "src": dict(src, bogus=1)}, 5, "x", []]
    out = []
    for case in pkg_cases:
        doc = copy.deepcopy(base)
        doc["packages"]["my_tool"] = case
        out.append((f"my_tool {json.dumps(case)[:60]}", json.dumps(doc).encode()))
    for top in ({"packages": []}, {"packages": 5}, {"sets": "cudaPackages_13_0", "packages": {}},
                {"sets": [5], "packages": {}}, {"packages": {}, "bogus": 1}, {"pakages": {}},
                {"packages": {"cuda_cudart": {"rules": [{"outputs": {"add": ["nosuch"]}}]}}},
                {"packages": {"cuda_cudart": {"version": 13}}}):
        out.append((f"top {json.dumps(top)[:60]}", json.dumps(top).encode()))
    return out + text_mutations(json.dumps(base, indent=1), rng, truncations=5, flips=5)


def lock_mutations(lock, rng):
    """Invalid or drifted variants of a lock file written by `cudapkgs lock`."""
    out = []
    for key in sorted(lock):
        if key == "cudapkgsVersion" or lock[key] in ({}, []):
            continue  # informational, or an empty section that reads the same when absent
        doc = copy.deepcopy(lock)
        del doc[key]
        out.append((f"lock: {key} deleted", doc))
    for key, value in (("lockVersion", 99), ("lockVersion", "1"), ("requested", "x"), ("requested", [5]),
                       ("system", "mips-linux"), ("archives", []), ("sets", 5), ("packages", "x"),
                       ("licenses", {"allowUnfree": "yes"}), ("manifests", {"cuda/redistrib_13.0.2.json": "0" * 64})):
        doc = copy.deepcopy(lock)
        doc[key] = value
        out.append((f"lock: {key} = {json.dumps(value)[:40]}", doc))
    for attr in list(lock.get("packages", {}))[:2]:
        for value in (5, [], {"outPaths": 5}, {"outPaths": {"out": 5}}, {"attrpath": 5}):
            doc = copy.deepcopy(lock)
            doc["packages"][attr] = value
            out.append((f"lock: packages.{attr} = {json.dumps(value)}", doc))
    for name in list(lock.get("archives", {}))[:3]:
        doc = copy.deepcopy(lock)
        doc["archives"][name]["sha256"] = "0" * 64
        out.append((f"lock: archive {name.rsplit('/', 1)[-1]} hash drifted", doc))
    encoded = [(n, (json.dumps(d, indent=2, sort_keys=True) + "\n").encode()) for n, d in out]
    return encoded + text_mutations(json.dumps(lock, indent=2), rng, truncations=5, flips=5)
