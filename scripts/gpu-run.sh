#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Prepares .gpu/ (ignored by git) for a run on a machine with an NVIDIA GPU: a stripped
# cudapkgs with the shared libraries it needs, the mirror's manifests, and the runtime closure
# of saxpy built here for sm_90 (saxpy + cuda_cudart's lib output: relocatable RUNPATHs make a
# copied store work). Then prints the command to run there (docs/gpu-testing.md).
#   scripts/gpu-run.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/dev}
bin=$build/src/cudapkgs
mirror=$build/tests/mirror-nvcc
python3 tests/fixtures/make_mirror.py --out "$mirror" \
    --only cuda_cudart,cuda_cccl,cuda_crt,cuda_nvcc,libnvvm >/dev/null
. scripts/gpu-bundle.sh
gpu_bundle "$bin" "$mirror"
mkdir -p .gpu/store
gpu_scratch
store=$gpu_scratch_dir/store
CUDAPKGS_ALLOW_UNFREE=1 "$bin" --manifests .gpu/manifests --mirror "file://$PWD/$mirror" \
    --store "$store" build --no-link -q pkgsForCudaArch.sm_90.cudaPackages_13_0.saxpy
cp -a "$store"/*-saxpy-1.0.0 "$store"/*-cuda_cudart-13.0.96-lib .gpu/store/
du -sh .gpu
cat <<'CMD'
Run on the GPU machine (device tool: carry [".gpu"]):
export LD_LIBRARY_PATH=$PWD/.gpu/lib; B=$PWD/.gpu/cudapkgs; S=$(ls -d $PWD/.gpu/store/*-saxpy-1.0.0)
$B gpu-info --driver-lib-dir /usr/local/nvidia/lib64 --json
$B --manifests .gpu/manifests --option driverLibDir /usr/local/nvidia/lib64 --json test pkgsForCudaArch.sm_90.cudaPackages_13_0.saxpy --path $S
$B check $S; cuobjdump --list-elf $S/bin/saxpy
CUDAPKGS_BIN=$B OUT=$OUT bash scripts/gpu-cdi-check.sh
CMD
