# SPDX-License-Identifier: Apache-2.0
"""End-to-end: `cudapkgs matrix` over the shipped catalogue (no network, no store)."""
from harness import check, expect, finish, run, run_json

m = run_json("matrix", "--json", "cudnn", "tensorrt", "nvpl_blas", "libcusparse_lt", "libcudss")
sets = {s["name"]: s for s in m["sets"]}
check([p["name"] for p in m["platforms"]] == ["x86_64", "sbsa", "jetson"], f"platforms: {m['platforms']}")
for name in ["cudaPackages_12_6", "cudaPackages_12_8", "cudaPackages_12_9", "cudaPackages_13_0",
             "cudaPackages_13_1", "cudaPackages_13_2", "cudaPackages_13_3", "cudaPackages_13_4"]:
    check(name in sets, f"{name} in the matrix")
check(m["aliases"]["cudaPackages"] == "cudaPackages_12_9" and m["aliases"]["cudaPackages_13"] == "cudaPackages_13_2",
      f"aliases: {m['aliases']}")


def cell(set_name, platform, attr):
    return sets[set_name]["platforms"][platform]["packages"][attr]


# "Which cuDNN do I get with CUDA 13.1 on Grace?"
c = cell("cudaPackages_13_1", "sbsa", "cudnn")
check(c["available"] and c["release"] == "9.27.0", f"cudnn 13.1 sbsa: {c}")
# Configuration-dependent pins are data, and the branch taken is reported.
j = cell("cudaPackages_12_6", "jetson", "cudnn")
check(j["release"] == "9.20.0", f"cudnn 12.6 jetson: {j}")
col = sets["cudaPackages_12_6"]["platforms"]
check(col["jetson"]["pinBranches"]["cudnn"] == "jetson" and col["x86_64"]["pinBranches"]["cudnn"] == "default",
      f"pin branches: {col['jetson']['pinBranches']} {col['x86_64']['pinBranches']}")
check(cell("cudaPackages_12_6", "x86_64", "tensorrt")["release"] == "11.3.0", "tensorrt 12.6 x86_64")
check(cell("cudaPackages_12_6", "sbsa", "tensorrt")["release"] == "10.13.0", "tensorrt 12.6 other aarch64")
check(col["sbsa"]["pinBranches"]["tensorrt"] == "systems=aarch64-linux", f"tensorrt branch: {col['sbsa']}")
check(cell("cudaPackages_12_6", "jetson", "tensorrt")["release"] == "10.7.0", "tensorrt 12.6 jetson")
check(cell("cudaPackages_13_0", "jetson", "tensorrt")["release"] == "10.16.1", "tensorrt 13.0 jetson")
check(cell("cudaPackages_13_2", "jetson", "tensorrt")["release"] == "11.1.0", "tensorrt 13.2 jetson")
# NVPL: aarch64 only, with a reason on x86_64.
n = cell("cudaPackages_13_2", "x86_64", "nvpl_blas")
check(not n["available"] and "linux-sbsa" in n["reason"], f"nvpl on x86_64: {n}")
check(cell("cudaPackages_13_2", "sbsa", "nvpl_blas")["available"], "nvpl on sbsa")
# cuSPARSELt 0.8.1 is not offered before CUDA 12.9.
for name in ["cudaPackages_12_6", "cudaPackages_12_8"]:
    c = cell(name, "x86_64", "libcusparse_lt_0_8")
    check(not c["available"] and "12.9" in c["reason"], f"cusparselt 0.8 in {name}: {c}")
    check(cell(name, "x86_64", "libcusparse_lt")["release"] == "0.6.3", f"cusparselt in {name}")
check(cell("cudaPackages_12_9", "x86_64", "libcusparse_lt")["release"] == "0.8.1", "cusparselt 12.9")
check(cell("cudaPackages_13_4", "x86_64", "libcudss")["release"] == "0.8.0", "cudss pinned in every set")

# Text: one block per attribute, one line per set and the three platforms.
rc, out, _ = run("matrix", "cudnn")
check(rc == 0 and "cudnn_9_20" in out and "cudaPackages_13_1" in out and "sbsa: 9.27.0.42" in out,
      f"text matrix: {out[:400]}")
expect(["matrix", "no_such_package"], 3, "no set has a package or attribute 'no_such_package'")

finish()
