#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The shell steps of the CI workflows in docs/ci.md, one per argument, so GitHub Actions,
# GitLab CI and tests/e2e/test_ci_workflow.py run exactly the same commands.
#
#   docs/ci/steps.sh install     # cudapkgs on PATH, else build and install it from source
#   docs/ci/steps.sh cache-key   # one line: the cache key of the store for $CUDAPKGS_PACKAGES
#   docs/ci/steps.sh build       # realise $CUDAPKGS_PACKAGES into $CUDAPKGS_STORE
#   docs/ci/steps.sh env         # environment settings (--format $CUDAPKGS_ENV_FORMAT, sh)
#   docs/ci/steps.sh project     # configure and build $PROJECT_DIR with CMake (needs `env` first)
#   docs/ci/steps.sh gc          # keep the cached store under $CUDAPKGS_CACHE_MAX
#   docs/ci/steps.sh all         # build, eval "$(env)", project: everything after install
#
# Settings (environment): CUDAPKGS (the binary, default `cudapkgs`), CUDAPKGS_STORE (required
# for build: the cached directory), CUDAPKGS_PACKAGES, CUDAPKGS_MIRRORS / CUDAPKGS_MANIFESTS
# (optional, the usual cudapkgs variables), PROJECT_DIR, BUILD_DIR, CUDAPKGS_SOURCE (a git URL
# or directory for `install`), CUDAPKGS_PREFIX (install prefix, default ~/.local).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${CUDAPKGS:=cudapkgs}"
: "${CUDAPKGS_PACKAGES:=cudaPackages_13_0.cuda_nvcc cudaPackages_13_0.cuda_cudart}"
: "${PROJECT_DIR:=$here/example}"
: "${BUILD_DIR:=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/cudapkgs-ci-project}"
: "${CUDAPKGS_ENV_FORMAT:=sh}"
: "${CUDAPKGS_CACHE_MAX:=20G}"
: "${CUDAPKGS_OUT_LINK:=${BUILD_DIR}-result}"
read -r -a packages <<<"$CUDAPKGS_PACKAGES"
# Redistributables are under NVIDIA's licences: accepting them is an explicit CI decision.
accept=(--option allowUnfree true)
# A committed cudapkgs.lock pins everything: drift fails the job instead of changing it.
frozen=()
if [ -f cudapkgs.lock ]; then
    frozen=(--frozen)
fi

log() { echo "steps.sh: $*" >&2; }

step_install() {
    if command -v "$CUDAPKGS" >/dev/null 2>&1; then
        log "using $(command -v "$CUDAPKGS") ($("$CUDAPKGS" --version))"
        return
    fi
    local src="${CUDAPKGS_SOURCE:?set CUDAPKGS_SOURCE to a cudapkgs git URL or checkout}"
    local prefix="${CUDAPKGS_PREFIX:-$HOME/.local}"
    if [ ! -d "$src" ]; then
        git clone --depth 1 "$src" "${BUILD_DIR}-src"
        src="${BUILD_DIR}-src"
    fi
    "$src/scripts/install-deps"
    cmake -S "$src" -B "${BUILD_DIR}-cudapkgs" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCUDAPKGS_BUILD_TESTS=OFF
    cmake --build "${BUILD_DIR}-cudapkgs"
    cmake --install "${BUILD_DIR}-cudapkgs" --prefix "$prefix"
    log "installed $prefix/bin/cudapkgs; add $prefix/bin to PATH"
}

step_cache_key() {
    "$CUDAPKGS" "${frozen[@]}" "${accept[@]}" cache-key "${packages[@]}"
}

step_build() {
    : "${CUDAPKGS_STORE:?set CUDAPKGS_STORE to the cached store directory}"
    "$CUDAPKGS" "${frozen[@]}" "${accept[@]}" build "${packages[@]}" \
        --out-link "$CUDAPKGS_OUT_LINK"
}

# Prints the toolkit environment (sh by default; CUDAPKGS_ENV_FORMAT=github for Actions).
step_env() {
    "$CUDAPKGS" "${frozen[@]}" "${accept[@]}" env "${packages[@]}" --format "$CUDAPKGS_ENV_FORMAT"
}

step_project() {
    command -v nvcc >/dev/null || { log "nvcc is not on PATH: run 'eval \"\$(steps.sh env)\"' first"; exit 1; }
    cmake -S "$PROJECT_DIR" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
    cmake --build "$BUILD_DIR"
    log "built $BUILD_DIR"
}

step_gc() {
    "$CUDAPKGS" store gc --max-size "$CUDAPKGS_CACHE_MAX"
}

step_all() {
    step_build
    eval "$(CUDAPKGS_ENV_FORMAT=sh step_env)"
    step_project
}

case "${1:-}" in
install) step_install ;;
cache-key) step_cache_key ;;
build) step_build ;;
env) step_env ;;
project) step_project ;;
gc) step_gc ;;
all) step_all ;;
*)
    echo "usage: $0 install|cache-key|build|env|project|gc|all" >&2
    exit 2
    ;;
esac
