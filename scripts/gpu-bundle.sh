# SPDX-License-Identifier: Apache-2.0
# Sourced by scripts/gpu-run*.sh: gpu_bundle BIN MIRROR makes .gpu/ (ignored by git) with a
# stripped cudapkgs, the shared libraries it needs beyond the C/C++ runtime, and MIRROR's CUDA
# 13.0.2 manifest as the only package set.
gpu_bundle() {
    local bin=$1 mirror=$2
    mkdir -p .git/info
    grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >>.git/info/exclude
    rm -rf .gpu && mkdir -p .gpu/lib .gpu/manifests/cuda
    strip -o .gpu/cudapkgs "$bin"
    ldd "$bin" | awk '$3 ~ /^\// {print $3}' |
        grep -vE '/(libc|libm|libgcc_s|libstdc\+\+|libpthread|libdl|librt|libresolv)\.so' |
        xargs -I{} cp -L {} .gpu/lib/
    cp "$mirror"/cuda/redist/redistrib_13.0.2.json .gpu/manifests/cuda/
    echo '{"sets": {"cudaPackages_13_0": {"cuda": "13.0.2"}}, "aliases": {"cudaPackages": "cudaPackages_13_0"}}' \
        >.gpu/manifests/sets.json
}

# A scratch directory for the build store, removed (read-only store paths included) on exit.
gpu_scratch() {
    gpu_scratch_dir=$(mktemp -d)
    trap 'chmod -R u+w "$gpu_scratch_dir"; rm -rf "$gpu_scratch_dir"' EXIT
}
