# SPDX-License-Identifier: Apache-2.0
"""End-to-end: list, eval and flags through the real binary."""
import json
import os
import shutil
import tempfile

from harness import SOURCE_DIR, check, expect, finish, run, run_json

# Alias resolution.
check(run_json("eval", "cudaPackages.cudaMajorMinorPatchVersion") == "12.9.2", "cudaPackages -> 12.9.2")
check(run_json("eval", "cudaPackages_13.cudaMajorMinorVersion") == "13.2", "cudaPackages_13 -> 13.2")
listing = run_json("list", "--json")
check(listing["aliases"]["cudaPackages"] == {"target": "cudaPackages_12", "resolved": "cudaPackages_12_9"},
      f"alias listing: {listing['aliases']}")
check([s["name"] for s in listing["sets"]] ==
      ["cudaPackages_11_8", "cudaPackages_12_6", "cudaPackages_12_8", "cudaPackages_12_9", "cudaPackages_13_0",
       "cudaPackages_13_1", "cudaPackages_13_2", "cudaPackages_13_3", "cudaPackages_13_4"],
      "sets listed in CUDA order")
rc, out, _ = run("list")
check(rc == 0 and "alias cudaPackages -> cudaPackages_12 -> cudaPackages_12_9" in out, "text listing shows alias chains")

# Multiplexed cuDNN in a 12.x and a 13.x set.
cudnn12 = run_json("eval", "cudaPackages_12_8.cudnn")
check(cudnn12["version"] == "9.27.0.42" and cudnn12["src"]["url"].endswith("_cuda12-archive.tar.xz"), "cudnn in 12.8")
check("outPaths" not in cudnn12, "no outPaths without accepting the licence")
cudnn13 = run_json("eval", "cudaPackages_13_0.cudnn", "--option", "allowUnfree", "true")
check(cudnn13["src"]["url"].endswith("_cuda13-archive.tar.xz"), "cudnn in 13.0 uses the cuda13 archive")
check(set(cudnn13["outPaths"]) == set(cudnn13["outputs"]), "outPaths for every output once accepted")
old = run_json("eval", "cudaPackages_13_0.cudnn_9_8")
check(not old["available"] and old["unavailableReasons"][0].startswith("CUDA version is too new"), "cudnn_9_8 in 13.0")
rc, out, _ = run("eval", "--raw", "cudaPackages_12_8.cudnn_9_8.version")
check(rc == 0 and out == "9.8.0.87\n", f"--raw prints bare strings: {out!r}")

# Licences: three ways to accept.
expect(["eval", "cudaPackages_12_8.cudnn.outPaths"], 3,
       ["unfree licence ('cuDNN EULA')", "--option allowUnfreeLicenses", "config file", "CUDAPKGS_ALLOW_UNFREE=1"])
from harness import clean_env
expect(["eval", "cudaPackages_12_8.cudnn.outPaths"], 0, env=clean_env(CUDAPKGS_ALLOW_UNFREE="1"))
with tempfile.TemporaryDirectory() as tmp:
    cfg = os.path.join(tmp, "config.json")
    with open(cfg, "w") as f:
        json.dump({"allowUnfreeLicenses": ["cuDNN EULA"]}, f)
    expect(["--config", cfg, "eval", "cudaPackages_12_8.cudnn.outPaths"], 0)
    expect(["--config", cfg, "eval", "cudaPackages_12_8.libcublas.outPaths"], 3, "'CUDA EULA'")
    with open(cfg, "w") as f:
        f.write('{\n  "cudaCapabilities": "8.6"\n}\n')
    expect(["--config", cfg, "flags"], 3, [f"{cfg}:2:23", "expected a list of strings"])

# Unknown names suggest a spelling.
expect(["eval", "cudaPackages_12_8.cudn"], 3, ["attribute 'cudn' not found", "did you mean 'cudnn'?"])
expect(["eval", "cudaPackage.cuda_nvcc"], 3, "did you mean 'cudaPackages'?")
expect(["flags", "--option", "cudaCapabilites", "8.6"], 3, "did you mean 'cudaCapabilities'?")
expect(["no-such-command"], 2)
expect(["eval"], 2)

# Flags, text and JSON.
flags = run_json("flags", "cudaPackages_12_8", "--json", "--option", "cudaCapabilities", "7.5,8.6")
check(flags["gencode"] == ["-gencode=arch=compute_75,code=sm_75", "-gencode=arch=compute_86,code=sm_86",
                           "-gencode=arch=compute_86,code=compute_86"], f"gencode: {flags['gencode']}")
check(flags == run_json("eval", "cudaPackages_12_8.flags", "--option", "cudaCapabilities", '["7.5","8.6"]'),
      "flags --json equals eval <set>.flags")
check(set(flags) == {"gencode", "gencodeString", "realArches", "virtualArches", "arches", "archNames",
                     "cmakeCudaArchitecturesString"}, f"flags keys: {sorted(flags)}")
defaults = run_json("flags", "cudaPackages_13_0", "--json")
check(defaults["cmakeCudaArchitecturesString"] == "75;80;86;89;90;100;103;120;121", "13.0 defaults")
check(run_json("eval", "pkgsForCudaArch.sm_90.cudaPackages_13_0.flags.arches") == ["sm_90"], "sm_90 variant")

# Every capability error: unknown, too new, too old, Jetson on x86_64, Jetson mixed.
expect(["flags", "cudaPackages_12_8", "--option", "cudaCapabilities", "4.2"], 3,
       ["unrecognized CUDA capability '4.2'", "CUDA 12.8 supports:"])
expect(["flags", "cudaPackages_12_6", "--option", "cudaCapabilities", "10.0"], 3,
       "CUDA capability 10.0 is too new for CUDA 12.6: it needs CUDA 12.7 or newer")
expect(["flags", "cudaPackages_13_0", "--option", "cudaCapabilities", "7.0"], 3,
       "CUDA capability 7.0 is too old for CUDA 13.0: it was last supported by CUDA 12.9")
expect(["flags", "cudaPackages_12_8", "--option", "cudaCapabilities", "8.7"], 3,
       "Jetson CUDA capabilities (8.7) require an aarch64-linux system (currently x86_64-linux)")
expect(["--system", "aarch64-linux", "flags", "cudaPackages_12_8", "--option", "cudaCapabilities", "8.7,9.0"], 3,
       "cannot be combined with non-Jetson capabilities (9.0)")
expect(["--system", "aarch64-linux", "flags", "cudaPackages_12_8", "--option", "cudaCapabilities", "8.7"], 0)
expect(["eval", "cudaPackages_12_8.cuda_nvcc.outPaths", "--option", "allowUnfree", "true",
        "--option", "cudaCapabilities", "4.2"], 3, "unrecognized CUDA capability")

# A malformed manifests directory: file, line and key; exit 3.
with tempfile.TemporaryDirectory() as tmp:
    shutil.copytree(os.path.join(SOURCE_DIR, "manifests"), os.path.join(tmp, "m"))
    path = os.path.join(tmp, "m", "cudnn", "redistrib_9.8.0.json")
    text = open(path).read()
    bad = text.replace('"size": "', '"size": "-', 1)
    line = text[: text.index('"size": "')].count("\n") + 1
    open(path, "w").write(bad)
    expect(["--manifests", os.path.join(tmp, "m"), "list"], 3,
           [f"{path}:{line}:", "size '-", "is not a non-negative decimal number"])
    open(path, "w").write(text[:-40])
    expect(["--manifests", os.path.join(tmp, "m"), "list"], 3, [path, "invalid JSON"])
    open(path, "w").write(text.replace('"version": "9.8.0.87",', "", 1))
    expect(["--manifests", os.path.join(tmp, "m"), "list"], 3, "missing 'version'")
expect(["--manifests", "/nonexistent/dir", "list"], 3, "manifests directory '/nonexistent/dir' does not exist")

# A new manifest plus a pin line adds a set.
with tempfile.TemporaryDirectory() as tmp:
    m = os.path.join(tmp, "m")
    shutil.copytree(os.path.join(SOURCE_DIR, "manifests"), m)
    sets = json.load(open(os.path.join(m, "sets.json")))
    sets["sets"]["cudaPackages_12_6"] = {"cuda": "12.6.3", "cudnn": "9.8.0"}
    json.dump(sets, open(os.path.join(m, "sets.json"), "w"))
    check(run_json("--manifests", m, "eval", "cudaPackages_12_6.cudnn.version") == "9.8.0.87", "cudnn pin honoured")

finish()
