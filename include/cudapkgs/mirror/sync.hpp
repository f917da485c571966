// SPDX-License-Identifier: Apache-2.0
// `mirror sync`: copying the manifests and archives of package sets into a directory laid out
// like NVIDIA's redist tree (docs/commands/mirror.md).
#pragma once

#include <cudapkgs/fetch/fetcher.hpp>
#include <cudapkgs/pkgset/evaluator.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cudapkgs::mirror {

/// One archive to mirror: `<dest>/<manifest::archive_path()>`.
struct ArchiveItem {
    std::string product;
    std::string relative_path;
    std::string sha256;
    std::uint64_t size = 0;
    std::vector<std::string> packages; ///< `set.attr` names that use it
    std::string base_path;             ///< below the mirror's root (pkgset::Source::base_path)
};

/// One manifest to copy: the local file the sets were evaluated from.
struct ManifestItem {
    std::string product;
    std::string version;
    std::filesystem::path source;
};

/// A package left out, and why.
struct Skipped {
    std::string package; ///< set.attr
    std::string platform;
    std::string reason;
};

/// What a sync will copy.
struct SyncPlan {
    std::vector<ManifestItem> manifests;
    std::vector<ArchiveItem> archives;
    std::vector<Skipped> skipped;
};

/// Adds a set's manifests and the archives of `packages` (empty = every package) plus their
/// transitive dependencies (pkgset::closure()) to `plan`. Unavailable packages, and packages
/// needing one, are skipped with the reason; throws Error{InvalidInput} (with "did you
/// mean") for a name the set lacks.
void add_set_to_plan(SyncPlan& plan, pkgset::Evaluator& evaluator, std::string_view set_path,
                     const std::vector<std::string>& packages);

/// The Nix system whose evaluation yields a redist platform's archives (`linux-x86_64` →
/// `x86_64-linux`, `linux-sbsa` → `aarch64-linux`); throws Error{Usage} for others.
std::string system_for_platform(std::string_view platform);

/// What happened to one file of a sync.
struct SyncedFile {
    std::string path;   ///< relative to the destination
    std::string status; ///< "downloaded", "present", "copied", "failed"
    std::uint64_t size = 0;
    std::uint64_t bytes_transferred = 0;
    std::uint64_t resumed_from = 0;
    std::string url; ///< redacted URL that delivered it
    std::string error;
};

struct SyncReport {
    std::vector<SyncedFile> manifests;
    std::vector<SyncedFile> archives;
    std::vector<Error> errors; ///< failed archives (Fetch or Integrity), in plan order
};

/// Copies the plan's manifests and downloads its archives into `dest` through `fetcher`
/// (verified, resumable; files already present with the right size and hash are kept, wrong
/// ones replaced), then writes an `index.html` listing into each `<product>/redist/`.
SyncReport run_sync(const SyncPlan& plan, const std::filesystem::path& dest,
                    const std::vector<std::string>& mirrors, fetch::Fetcher& fetcher,
                    const fetch::ProgressFn& progress);

/// Writes `<dir>/index.html` linking every regular file and directory in `dir` (an index page
/// like NVIDIA's, for static servers without directory listings).
void write_index_page(const std::filesystem::path& dir);

} // namespace cudapkgs::mirror
