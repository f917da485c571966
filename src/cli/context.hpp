// SPDX-License-Identifier: Apache-2.0
// Turning global options into the evaluator's inputs: manifests, config, system, store.
#pragma once

#include "options.hpp"

#include <cudapkgs/config/config.hpp>
#include <cudapkgs/pkgset/catalog.hpp>
#include <cudapkgs/pkgset/evaluator.hpp>
#include <cudapkgs/store/store.hpp>
#include <cudapkgs/toolchain/host_compiler.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace cudapkgs::cli {

class Session;

/// Everything a command needs to evaluate attribute paths, loaded once.
struct EvalContext {
    config::Config config;
    std::string system;
    std::string store_dir;
    std::vector<std::string> mirrors;
    bool frozen = false;   ///< --frozen or CUDAPKGS_FROZEN=1
    std::string lock_file; ///< --lock, else ./cudapkgs.lock
    std::unique_ptr<pkgset::Catalog> catalog;
    std::unique_ptr<pkgset::Evaluator> evaluator;
};

/// The manifests directories to read: --manifests, else CUDAPKGS_MANIFESTS (colon-separated),
/// else the installed share/cudapkgs/manifests, else the source tree's manifests/.
std::vector<std::filesystem::path> manifest_dirs(const GlobalOptions& global);
/// --store, else CUDAPKGS_STORE, else $XDG_CACHE_HOME/cudapkgs/store (~/.cache/…).
std::string store_dir(const GlobalOptions& global);
/// --system, else the host's (x86_64-linux, aarch64-linux, …).
std::string system_of(const GlobalOptions& global);
/// --mirror, else CUDAPKGS_MIRRORS (space- or comma-separated), else empty (NVIDIA's).
std::vector<std::string> mirrors_of(const GlobalOptions& global);
/// The fixups directories: --fixups, else installed share/cudapkgs/fixups, else the source
/// tree's fixups/.
std::vector<std::filesystem::path> fixup_dirs(const GlobalOptions& global);
/// Config from --config/CUDAPKGS_CONFIG/XDG, CUDAPKGS_ALLOW_UNFREE and --option.
config::Config load_config(const GlobalOptions& global);

/// True for --frozen or CUDAPKGS_FROZEN=1.
bool frozen_requested(const GlobalOptions& global);
/// --lock, else cudapkgs.lock in the current directory.
std::string lock_file_of(const GlobalOptions& global);

/// The source packages directory: installed share/cudapkgs/packages, else the source tree's.
std::filesystem::path packages_dir();
/// The host compiler (CUDAHOSTCXX, CXX, g++, clang++), detected once.
const std::optional<toolchain::HostCompiler>& detected_host_compiler();

/// Loads manifests, config and the evaluator.
EvalContext make_eval_context(const GlobalOptions& global);

/// The absolute path a command prints for a store path: the store directory applied.
std::string show_store_path(const EvalContext& ctx, const storepath::StorePath& path);
/// An evaluated value as commands print it: its store paths absolute (show_store_path()).
nlohmann::json show_store_paths(const EvalContext& ctx, const pkgset::EvalValue& value);

/// True when store_paths_of_arguments() reads `argument` as an ATTRPATH.
bool is_attrpath_argument(const std::string& argument);

/// The store paths command-line arguments name, in order: a path inside the store (an out-link
/// is followed), a store path's base name, or an ATTRPATH such as `cudaPackages_12_8.cudnn` —
/// then every output of it that is in `store`, `out` first (the packages are evaluated once,
/// whatever the number of ATTRPATHs). Throws Error{InvalidInput} for a path outside the store,
/// an unknown attribute, or a package none of whose outputs is built (the note says which
/// `cudapkgs build` makes them).
/// The ATTRPATHs are evaluated through session.eval(), so --frozen applies to them.
std::vector<storepath::StorePath>
store_paths_of_arguments(Session& session, store::Store& store,
                         const std::vector<std::string>& arguments);

} // namespace cudapkgs::cli
