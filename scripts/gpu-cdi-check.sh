#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks `cudapkgs cdi generate|list` on a machine with a real NVIDIA GPU and driver.
#   OUT=/tmp scripts/gpu-cdi-check.sh            (CUDAPKGS_BIN overrides the binary)
# Writes $OUT/cdi.json (NVML), $OUT/cdi-proc.json (--no-nvml, /proc/driver/nvidia) and
# $OUT/cdi-check.txt; checks every deviceNode and mount hostPath exists, device nodes are
# character devices, `cdi list` offers nvidia.com/gpu=0 and =all, and (when nvidia-smi is
# there) the UUIDs match nvidia-smi's. Exit 0 only if every check passed.
# CUDAPKGS_CDI_ARGS adds arguments to every `cdi generate` (e.g. --dev-root/--driver-root, to
# try the script on a fake tree whose nodes were made with mknod).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp}
mkdir -p "$OUT"
BIN=${CUDAPKGS_BIN:-build/dev/src/cudapkgs}
[ -x "$BIN" ] || BIN=$(command -v cudapkgs || true)
if [ -z "$BIN" ] || ! "$BIN" --version >/dev/null 2>&1; then
    echo "gpu-cdi-check: no runnable cudapkgs binary (set CUDAPKGS_BIN)" >&2
    [ -n "$BIN" ] && ldd "$BIN" 2>&1 | grep 'not found' >&2
    exit 1
fi
ARGS=${CUDAPKGS_CDI_ARGS:-}
exec > >(tee "$OUT/cdi-check.txt") 2>&1
failures=0
step() { echo; echo "\$ $*"; "$@"; rc=$?; echo "(exit $rc)"; return $rc; }

echo "== host"
uname -a
ls -l /dev/nvidia* 2>&1
ls /proc/driver/nvidia/gpus 2>&1
cat /proc/driver/nvidia/version 2>&1 | head -1

echo "== generate (NVML) and list"
step "$BIN" -v --json cdi generate $ARGS --device-name-strategy uuid --output "$OUT/cdi.json" || failures=$((failures+1))
step "$BIN" cdi generate $ARGS --output "$OUT/cdi-index.json" || failures=$((failures+1))
step "$BIN" cdi list --spec "$OUT/cdi-index.json" | tee "$OUT/cdi-list.txt" || failures=$((failures+1))
for name in nvidia.com/gpu=0 nvidia.com/gpu=all; do
    grep -qx "$name" "$OUT/cdi-list.txt" || { echo "FAIL: cdi list lacks $name"; failures=$((failures+1)); }
done
echo "== generate from /proc/driver/nvidia (--no-nvml)"
step "$BIN" cdi generate $ARGS --no-nvml --device-name-strategy uuid --output "$OUT/cdi-proc.json" || failures=$((failures+1))
step "$BIN" cdi generate $ARGS --format yaml --output - | head -20

SMI=$(command -v nvidia-smi || ls /usr/local/nvidia/bin/nvidia-smi 2>/dev/null || true)
SMI_UUIDS=""
[ -n "$SMI" ] && SMI_UUIDS=$("$SMI" --query-gpu=uuid --format=csv,noheader 2>/dev/null | tr -d ' ')

echo "== checking the specs"
python3 - "$OUT" "$SMI_UUIDS" <<'PY' || failures=$((failures+1))
import json, os, stat, sys
out, smi = sys.argv[1], [u for u in sys.argv[2].split() if u]
bad = 0
def spec_names(path):
    with open(path) as f:
        spec = json.load(f)
    return spec, [d["name"] for d in spec["devices"]]
for name in ["cdi.json", "cdi-index.json", "cdi-proc.json"]:
    path = os.path.join(out, name)
    if not os.path.exists(path):
        print(f"FAIL: {path} missing"); bad += 1; continue
    spec, names = spec_names(path)
    edits = [d["containerEdits"] for d in spec["devices"]] + [spec.get("containerEdits", {})]
    nodes = [n for e in edits for n in e.get("deviceNodes", [])]
    mounts = [m for m in spec.get("containerEdits", {}).get("mounts", [])]
    for n in nodes:
        host = n.get("hostPath", n["path"])
        if not os.path.exists(host) or not stat.S_ISCHR(os.stat(host).st_mode):
            print(f"FAIL: {name}: device node {host} missing or not a character device"); bad += 1
    for m in mounts:
        if not os.path.exists(m["hostPath"]):
            print(f"FAIL: {name}: mount source {m['hostPath']} missing"); bad += 1
    hooks = spec.get("containerEdits", {}).get("hooks", [])
    print(f"{name}: cdiVersion {spec['cdiVersion']}, devices {names}, "
          f"{len(set(n['path'] for n in nodes))} device nodes, {len(mounts)} mounts, {len(hooks)} hook(s)")
    for m in mounts:
        print(f"    {m['hostPath']} -> {m['containerPath']}")
nvml = proc = []
if os.path.exists(os.path.join(out, "cdi.json")) and os.path.exists(os.path.join(out, "cdi-proc.json")):
    _, nvml = spec_names(os.path.join(out, "cdi.json"))
    _, proc = spec_names(os.path.join(out, "cdi-proc.json"))
if nvml != proc:
    print(f"FAIL: NVML names {nvml} differ from /proc names {proc}"); bad += 1
if smi and sorted(smi) != sorted(n for n in nvml if n != "all"):
    print(f"FAIL: nvidia-smi UUIDs {smi} differ from the spec's {nvml}"); bad += 1
print("nvidia-smi UUIDs:", smi or "(nvidia-smi not found)")
sys.exit(1 if bad else 0)
PY
echo
if [ "$failures" -eq 0 ]; then echo "gpu-cdi-check: OK"; else echo "gpu-cdi-check: $failures failure(s)"; fi
exit $((failures > 0))
