// SPDX-License-Identifier: Apache-2.0
// Installing one verified archive into the store: unpack, route, fix up, patch ELF, commit.
#pragma once

#include <cudapkgs/fetch/fetcher.hpp>
#include <cudapkgs/pkgset/derivation.hpp>
#include <cudapkgs/pkgset/package_set.hpp>
#include <cudapkgs/store/store.hpp>
#include <cudapkgs/toolchain/process.hpp>
#include <cudapkgs/util/file_stamp.hpp>

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cudapkgs::builder {

/// A dependency as the installer sees it: its registered outputs.
struct DependencyInfo {
    std::string attr;
    const pkgset::Package* package = nullptr;
    const pkgset::Derivation* derivation = nullptr;
    std::map<std::string, std::filesystem::path> outputs;
};

struct InstallContext {
    store::Store* store = nullptr;
    std::mutex* store_mutex = nullptr;
    const pkgset::PackageSet* set = nullptr;
    const pkgset::Package* package = nullptr;
    std::string attrpath;
    const pkgset::Derivation* derivation = nullptr;
    std::filesystem::path archive; ///< verified download; empty for packages without a source
    /// Set when `archive` was verified where it lies (a file:// mirror): its stamp then.
    std::optional<util::FileStamp> archive_stamp;
    /// Unpack progress (kind Unpack); may be empty. Calls are serialised by the builder.
    fetch::ProgressFn progress;
    std::vector<DependencyInfo> dependencies;
    std::optional<std::filesystem::path> driver_lib_dir;
    bool allow_unsupported_compiler = false;
    /// Runs postInstall scripts, the host-compiler probe and nvcc/cmake.
    toolchain::ProcessRunner* runner = &toolchain::spawn_runner();
};

/// Builds one package into the store and returns its registered outputs. Throws
/// Error{Integrity} for unsafe archives, Error{BuildFailed} for failed steps.
std::map<std::string, std::filesystem::path> install_package(const InstallContext& ctx);

/// The outputs of a derivation that are registered in the store.
std::map<std::string, std::filesystem::path> registered_outputs(store::Store& store,
                                                                const pkgset::Derivation& drv);

} // namespace cudapkgs::builder
