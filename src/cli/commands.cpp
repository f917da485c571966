// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <array>

namespace cudapkgs::cli {

namespace {

// Columns: name, needs (what main sets up: Nothing, Manifests = evaluates and honours --frozen,
// Store = also the store), summary, example, setup, hidden.
constexpr std::array kCommands = {
    CommandSpec{"list", Needs::Manifests, "List package sets, or the packages of one set",
                "cudapkgs list cudaPackages_12_8", &setup_list},
    CommandSpec{"matrix", Needs::Manifests,
                "Table of what each set offers of each product on each platform",
                "cudapkgs matrix cudnn tensorrt", &setup_matrix},
    CommandSpec{"eval", Needs::Manifests, "Print the value at an attribute path as JSON",
                "cudapkgs eval cudaPackages_12_8.cudnn.version", &setup_eval},
    CommandSpec{"build", Needs::Store, "Build packages into the store and print their store paths",
                "cudapkgs build cudaPackages_13_0.cudnn --option allowUnfree true", &setup_build},
    CommandSpec{
        "env", Needs::Store, "Build packages and print a shell, CMake or CI environment for them",
        "eval \"$(cudapkgs env cudaPackages_13_0.cuda_nvcc cudaPackages_13_0.cuda_cudart)\"",
        &setup_env},
    CommandSpec{"test", Needs::Store,
                "Run a package's testers on this machine's GPU (exit 77 without one)",
                "cudapkgs test pkgsForCudaArch.sm_90.cudaPackages_13_0.saxpy", &setup_test},
    CommandSpec{"features", Needs::Store,
                "Write a feature file (outputs per platform) from an archive",
                "cudapkgs features cudaPackages_13_0.cuda_cudart --option allowUnfree true",
                &setup_features},
    CommandSpec{"show-derivation", Needs::Manifests,
                "Print every input of a package's store path as JSON",
                "cudapkgs show-derivation cudaPackages_12_8.libcublas --option allowUnfree true",
                &setup_show_derivation},
    CommandSpec{"flags", Needs::Manifests,
                "Print nvcc gencode flags and CMake architectures for the capabilities",
                "cudapkgs flags cudaPackages_12_8 --option cudaCapabilities 8.6,9.0", &setup_flags},
    CommandSpec{"lock", Needs::Manifests,
                "Write cudapkgs.lock: manifests, archive hashes, fixups, capabilities",
                "cudapkgs lock cudaPackages_12_8.cudnn --option allowUnfree true", &setup_lock},
    CommandSpec{"cache-key", Needs::Manifests,
                "Print a CI cache key that changes iff the store content would",
                "cudapkgs cache-key cudaPackages_13_0.cuda_nvcc", &setup_cache_key},
    CommandSpec{"mirror", Needs::Manifests,
                "Copy manifests and archives into a local redist tree (mirror sync)",
                "cudapkgs mirror sync --set cudaPackages_12_8 --dest /srv/cuda-mirror",
                &setup_mirror},
    CommandSpec{"manifests", Needs::Nothing,
                "Download new redistrib manifests from a mirror's index",
                "cudapkgs manifests update --product cuda --since 12.8", &setup_manifests},
    CommandSpec{"doctor", Needs::Manifests,
                "Check driver, host compiler, store and mirror reachability",
                "cudapkgs doctor --json", &setup_doctor},
    CommandSpec{"version", Needs::Nothing, "Print the cudapkgs version", "cudapkgs version --json",
                &setup_version},
    CommandSpec{"cdi", Needs::Nothing,
                "Write or list a CDI spec for the host's NVIDIA GPUs (Docker, Podman)",
                "sudo cudapkgs cdi generate && cudapkgs cdi list", &setup_cdi},
    CommandSpec{"fetch", Needs::Nothing,
                "Download one file, verified (for tests and mirror debugging)",
                "cudapkgs fetch https://host/a.tar.xz --sha256 HEX --size N -o a.tar.xz",
                &setup_fetch, true},
    CommandSpec{"store", Needs::Store, "Verify, garbage-collect and inspect the store",
                "cudapkgs store gc --max-size 20G", &setup_store},
    CommandSpec{"elf", Needs::Nothing,
                "Show or rewrite ELF RUNPATH/NEEDED (show, set-runpath, ...)",
                "cudapkgs elf set-runpath lib/libfoo.so '$ORIGIN/../lib'", &setup_elf},
    CommandSpec{"check", Needs::Nothing, "Check that every DT_NEEDED of ELF files resolves",
                "cudapkgs check result-lib/ --json", &setup_check},
    CommandSpec{"gpu-info", Needs::Nothing, "Show what the CUDA driver reports (debugging testers)",
                "cudapkgs gpu-info --json", &setup_gpu_info, true},
    CommandSpec{"build-source", Needs::Nothing,
                "Build one source package against an explicit toolkit",
                "cudapkgs build-source packages/saxpy --toolkit-part DIR... -o out",
                &setup_build_source, true},
    CommandSpec{"cache", Needs::Store, "Signed binary caches: keygen, push store paths, pull them",
                "cudapkgs cache push --key ci.secret file:///srv/cache ./result", &setup_cache},
};

} // namespace

std::span<const CommandSpec> commands() {
    return kCommands;
}

CLI::App* add_subcommand_with_json(CLI::App& group, const char* name, const char* help,
                                   bool& json) {
    CLI::App* sub = group.add_subcommand(name, help);
    sub->fallthrough(true);
    sub->add_flag("--json", json, "Print results as JSON");
    return sub;
}

} // namespace cudapkgs::cli
