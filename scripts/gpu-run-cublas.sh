#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Prepares .gpu/ for running cublas-example on a GPU machine whose CUDA 13.0 install has the
# same cuBLAS 13.1.0.3 as this machine (byte-identical libraries; compared by sha256 first).
# cuBLAS's two large libraries (~570 MB) cannot be carried, so .gpu/store holds the runtime
# closure of cublas-example (built here for sm_90) without them, plus the store database; on
# the GPU machine the command below copies the machine's own libcublas{,Lt}.so.13 into the
# libcublas lib output, and `store verify` must then report no problem for that output (its
# registered content hash) before `cudapkgs test` runs the program (docs/gpu-testing.md).
#   scripts/gpu-run-cublas.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/dev}
bin=$build/src/cudapkgs
mirror=$build/tests/mirror-gpu
python3 tests/fixtures/make_mirror.py --out "$mirror" \
    --only cuda_cudart,cuda_cccl,cuda_crt,cuda_nvcc,libnvvm,libcublas >/dev/null
. scripts/gpu-bundle.sh
gpu_bundle "$bin" "$mirror"
attr=pkgsForCudaArch.sm_90.cudaPackages_13_0.cublas-example
gpu_scratch
store=$gpu_scratch_dir/store
CUDAPKGS_ALLOW_UNFREE=1 "$bin" --manifests .gpu/manifests --mirror "file://$PWD/$mirror" \
    --store "$store" build --no-link -q "$attr" >/dev/null
# The runtime closure (the example, cudart's and cuBLAS's lib outputs) and the database; the
# build-time inputs (nvcc, headers) stay behind, so `store verify` there reports them missing.
mkdir -p .gpu/store/.cudapkgs
for p in cublas-example-1.0.0 cuda_cudart-13.0.96-lib libcublas-13.1.0.3-lib; do
    cp -a "$store"/*-$p .gpu/store/
done
cp -a "$store"/.cudapkgs/db.sqlite* .gpu/store/.cudapkgs/
lib=$(ls -d .gpu/store/*-libcublas-13.1.0.3-lib)
chmod u+w "$lib" "$lib/lib"
rm "$lib/lib/libcublas.so.13" "$lib/lib/libcublasLt.so.13"
chmod a-w "$lib/lib" "$lib"
sha256sum "$store"/*-libcublas-13.1.0.3-lib/lib/libcublas{,Lt}.so.13 | sed "s|$store/||"
du -sh .gpu
cat <<'CMD'
Run on the GPU machine (device tool: carry [".gpu"]):
export LD_LIBRARY_PATH=$PWD/.gpu/lib; B=$PWD/.gpu/cudapkgs; export CUDAPKGS_STORE=$PWD/.gpu/store
L=$(ls -d $CUDAPKGS_STORE/*-libcublas-13.1.0.3-lib); R=/usr/local/cuda/targets/x86_64-linux/lib
sha256sum $R/libcublas.so.13 $R/libcublasLt.so.13
chmod u+w $L/lib && cp $R/libcublas.so.13.1.0.3 $L/lib/libcublas.so.13 && cp $R/libcublasLt.so.13.1.0.3 $L/lib/libcublasLt.so.13 && chmod 0444 $L/lib/*.so.13 && chmod a-w $L/lib
$B store verify --json 2>/dev/null | python3 -c 'import json,sys; [print(p["message"].replace(sys.argv[1] + "/", "")) for p in json.load(sys.stdin)["problems"]]' $CUDAPKGS_STORE
$B --manifests .gpu/manifests --option driverLibDir /usr/local/nvidia/lib64 --json test pkgsForCudaArch.sm_90.cudaPackages_13_0.cublas-example --path $(ls -d $CUDAPKGS_STORE/*-cublas-example-1.0.0)
CMD
