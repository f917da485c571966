#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`cudapkgs manifests update` against a served NVIDIA-style index page: new manifests are
added and usable, known ones skipped, --since filters, an invalid download leaves the
directory untouched, transient errors are retried, file:// works offline."""

import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ci_fixture  # noqa: E402
import harness  # noqa: E402
import mirror_server  # noqa: E402
from harness import check, run  # noqa: E402

INDEX = """<html><head><title>Index of /compute/cuda/redist</title></head><body>
<h1>Index of /compute/cuda/redist</h1><pre>
<a href="../">../</a>
<a href="cuda_cudart/">cuda_cudart/</a>
<a href="redistrib_12.9.1.json">redistrib_12.9.1.json</a>   02-Jun-2025 18:13   80K
<a href='/compute/cuda/redist/redistrib_13.0.2.json'>redistrib_13.0.2.json</a>
<a href=redistrib_12.9.1.json>duplicate</a>
<a href="redistrib_notes.txt">redistrib_notes.txt</a>
<a href="feature_12.8.1.json">feature_12.8.1.json</a>
</pre></body></html>
"""


def listing(dest):
    return sorted(os.listdir(os.path.join(dest, "cuda")))


def update(world, mirror_url, dest, *extra):
    code, out, err = run("--manifests", world.manifests, "--mirror", mirror_url, "--json",
                         *extra, "manifests", "update", "--dest", dest, env=world.env)
    return code, (json.loads(out) if code == 0 and out.strip() else None), err


def main():
    world = ci_fixture.World()
    served = world.path("index-mirror")
    redist = os.path.join(served, "cuda", "redist")
    os.makedirs(redist)
    shutil.copy(os.path.join(harness.SOURCE_DIR, "manifests", "cuda", "redistrib_12.9.1.json"),
                redist)
    shutil.copy(os.path.join(world.manifests, "cuda", "redistrib_13.0.2.json"), redist)
    with open(os.path.join(redist, "index.html"), "w", encoding="utf-8") as f:
        f.write(INDEX)
    server, port = mirror_server.start(served)
    url = f"http://127.0.0.1:{port}"
    try:
        scenario(world, server, url, served)
    finally:
        server.shutdown()
        server.server_close()
        world.cleanup()
    harness.finish()


def scenario(world, server, url, served):
    dest = world.path("manifests-copy")
    shutil.copytree(world.manifests, dest)
    code, result, err = update(world, url, dest, "--option", "allowUnfree", "false")
    check(code == 0, f"update: exit {code}: {err}")
    if result:
        added = [(a["product"], a["version"]) for a in result["added"]]
        check(added == [("cuda", "12.9.1")], f"added: {added}")
        check(result["products"][0]["available"] == ["12.9.1", "13.0.2"],
              f"index versions: {result['products']}")
        check(len(result["added"][0]["sha256"]) == 64, "sha256 reported")
    check(listing(dest) == ["redistrib_12.9.1.json", "redistrib_13.0.2.json"], f"{listing(dest)}")
    check(not any(n.startswith(".") or n.endswith(".tmp") for n in listing(dest)), "temp files left")
    # The new manifest is usable: the fallback rule makes cudaPackages_12_9 from it.
    code, out, err = run("--manifests", dest, "eval", "cudaPackages_12_9.cuda_cudart.version",
                         env=world.env)
    check(code == 0 and "12.9" in out, f"new manifest usable: {code} {out} {err}")

    # Second run: nothing new, and the text form says so.
    code, out, err = run("--manifests", dest, "--mirror", url, "manifests", "update",
                         env=world.env)
    check(code == 0 and "up to date" in out, f"second update: {code} {out} {err}")

    # --since filters out older releases.
    fresh = world.path("manifests-since")
    shutil.copytree(world.manifests, fresh)
    code, result, err = run_since(world, url, fresh)
    check(code == 0 and result and result["added"] == [], f"--since 13.0: {code} {result} {err}")

    invalid(world, url, served)
    faults(world, server, url)
    offline(world, url, served)


def run_since(world, url, dest):
    code, out, err = run("--mirror", url, "--json", "manifests", "update", "--product", "cuda",
                         "--since", "13.0", "--dest", dest, env=world.env)
    return code, (json.loads(out) if code == 0 else None), err


def invalid(world, url, served):
    """A truncated manifest in the index: exit 3, and not even the valid one is written."""
    bad = os.path.join(served, "cuda", "redist", "redistrib_13.1.0.json")
    with open(bad, "w", encoding="utf-8") as f:
        f.write('{"release_date": "2025-12-01", "cuda_cudart": {"name": ')
    index = os.path.join(served, "cuda", "redist", "index.html")
    original = open(index, encoding="utf-8").read()
    with open(index, "w", encoding="utf-8") as f:
        f.write(original.replace("</pre>", '<a href="redistrib_13.1.0.json">x</a></pre>'))
    dest = world.path("manifests-invalid")
    shutil.copytree(world.manifests, dest)
    before = listing(dest)
    code, result, err = update(world, url, dest)
    check(code == 3 and "redistrib_13.1.0.json" in err, f"invalid manifest: exit {code}: {err}")
    check(listing(dest) == before, f"nothing written on failure: {listing(dest)}")
    os.remove(bad)
    with open(index, "w", encoding="utf-8") as f:
        f.write(original)


def faults(world, server, url):
    server.state.set_faults({"reset": True, "/cuda/redist/": {"mode": "500", "count": 1},
                             "/cuda/redist/redistrib_12.9.1.json": {"mode": "500", "count": 1}})
    dest = world.path("manifests-faults")
    shutil.copytree(world.manifests, dest)
    code, result, err = update(world, url, dest)
    check(code == 0 and result and len(result["added"]) == 1, f"500 then OK: {code} {err}")
    # An index that is not there: exit 4 for an explicitly named product.
    server.state.set_faults({"reset": True, "/cuda/redist/": {"mode": "404"}})
    code, out, err = run("--mirror", url, "manifests", "update", "--product", "cuda", "--dest",
                         world.path("manifests-404"), env=world.env)
    check(code == 4 and "404" in err, f"index 404: exit {code}: {err}")
    server.state.set_faults({"reset": True})


def offline(world, url, served):
    dest = world.path("manifests-offline")
    shutil.copytree(world.manifests, dest)
    code, result, err = update(world, url, dest, "--offline")
    check(code == 4 and "offline" in err, f"offline with an http mirror: exit {code}: {err}")
    code, result, err = update(world, "file://" + served, dest, "--offline")
    check(code == 0 and result and [a["version"] for a in result["added"]] == ["12.9.1"],
          f"offline from file://: {code} {result} {err}")


if __name__ == "__main__":
    main()
