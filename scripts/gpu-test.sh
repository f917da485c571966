#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the source packages built by cudapkgs (saxpy, cublas-example) on a GPU machine.
#
#   scripts/gpu-test.sh DIR [DRIVER_DIR]
#
# DIR holds the built programs (found anywhere under DIR by name, e.g. DIR/bin/saxpy or
# store paths) and the CUDA libraries they need (any directory under DIR holding lib*.so*).
# DRIVER_DIR (default /usr/local/nvidia/lib64) holds libcuda.so.1. Libraries are searched in
# DIR's library directories first, then DRIVER_DIR; `ldd` output shows where each came from.
# A cudapkgs binary ($CUDAPKGS_BIN, else DIR/bin/cudapkgs, else build/*/src/cudapkgs) also
# reports `cudapkgs gpu-info`. Results go to stdout and to $OUT/gpu-test.{txt,json} when $OUT
# is set. Exit 0 when every program printed OK and exited 0, 77 when there is no GPU, else 1.
set -uo pipefail
dir=${1:?usage: scripts/gpu-test.sh DIR [DRIVER_DIR]}
driver=${2:-/usr/local/nvidia/lib64}
out=${OUT:-}
report=$(mktemp)
exec > >(tee "$report") 2>&1

echo "== machine"
uname -a
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv
ls -l "$driver"/libcuda.so* 2>/dev/null || echo "no libcuda.so* in $driver"

libdirs=$(find "$dir" -name 'lib*.so*' \( -type f -o -type l \) -printf '%h\n' 2>/dev/null | sort -u | paste -sd: -)
export LD_LIBRARY_PATH="${libdirs:+$libdirs:}$driver"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"

cudapkgs=${CUDAPKGS_BIN:-}
[ -z "$cudapkgs" ] && [ -x "$dir/bin/cudapkgs" ] && cudapkgs="$dir/bin/cudapkgs"
[ -z "$cudapkgs" ] && cudapkgs=$(ls build/*/src/cudapkgs 2>/dev/null | head -1)
gpu_rc=0
if [ -n "$cudapkgs" ] && [ -x "$cudapkgs" ]; then
    echo "== $cudapkgs gpu-info --driver-lib-dir $driver"
    env -u LD_LIBRARY_PATH "$cudapkgs" gpu-info --driver-lib-dir "$driver"
    gpu_rc=$?
    env -u LD_LIBRARY_PATH "$cudapkgs" --json gpu-info --driver-lib-dir "$driver" > "${report}.gpu.json" 2>/dev/null
fi

json="["
status=0
for name in saxpy cublas-example; do
    bin=$(find "$dir" -name "$name" -type f -perm -u+x 2>/dev/null | head -1)
    echo "== $name"
    if [ -z "$bin" ]; then
        echo "not found under $dir"
        status=1
        json+="{\"name\":\"$name\",\"found\":false},"
        continue
    fi
    echo "binary: $bin"
    ldd "$bin" | grep -E 'cuda|cublas|not found' || true
    start=$(date +%s.%N)
    output=$("$bin" 2>&1)
    rc=$?
    secs=$(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo 0)
    echo "$output"
    echo "exit code: $rc (${secs} s)"
    ok=false
    if [ $rc -eq 0 ] && grep -q "OK" <<<"$output"; then ok=true; else status=1; fi
    esc=$(printf '%s' "$output" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')
    json+="{\"name\":\"$name\",\"found\":true,\"path\":\"$bin\",\"exitCode\":$rc,\"output\":$esc,\"passed\":$ok},"
done
json="${json%,}]"
if [ $status -ne 0 ] && [ $gpu_rc -eq 77 ]; then
    status=77
fi
echo "== result: $([ $status -eq 0 ] && echo PASS || echo "FAIL ($status)")"

if [ -n "$out" ]; then
    mkdir -p "$out"
    printf '{"programs":%s,"gpuInfo":%s,"exit":%d}\n' "$json" \
        "$(cat "${report}.gpu.json" 2>/dev/null || echo null)" "$status" > "$out/gpu-test.json"
    cp "$report" "$out/gpu-test.txt"
fi
rm -f "$report" "${report}.gpu.json"
exit $status
