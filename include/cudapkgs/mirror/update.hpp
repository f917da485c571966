// SPDX-License-Identifier: Apache-2.0
// `manifests update`: new redistrib manifests from a mirror's index pages
// (docs/commands/manifests.md).
#pragma once

#include <cudapkgs/fetch/fetcher.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::mirror {

/// The versions of `redistrib_<version>.json` files an HTML index page links to (NVIDIA's
/// `<product>/redist/` listing), sorted oldest first, without duplicates.
std::vector<std::string> parse_redist_index(std::string_view html);

struct UpdateOptions {
    std::vector<std::string> products; ///< empty = those present in `dest`, else the known ones
    std::optional<std::string> since;  ///< only versions at or above this one
    std::filesystem::path dest;        ///< a manifests directory (`<product>/redistrib_*.json`)
    std::string mirror;                ///< base URL; the index is `<mirror>/<product>/redist/`
    fetch::FetchOptions fetch;
};

/// One manifest written by an update.
struct AddedManifest {
    std::string product;
    std::string version;
    std::string path; ///< where it was written
    std::string url;  ///< redacted
    std::string sha256;
    std::uint64_t size = 0;
};

struct ProductListing {
    std::string product;
    std::vector<std::string> versions; ///< found in the index (after --since)
    std::string note;                  ///< why a defaulted product was skipped, if it was
};

struct UpdateReport {
    std::vector<AddedManifest> added;
    std::vector<ProductListing> products;
};

/// Lists each product's index, downloads the manifests `dest` lacks, validates every one with
/// the manifest parser, and only then moves them into place (atomically, one by one), so a
/// bad download leaves `dest` untouched. Throws Error{Fetch} for network failures (also for
/// a non-file mirror when offline) and Error{InvalidInput} for a manifest that does not parse.
UpdateReport update_manifests(const UpdateOptions& options);

} // namespace cudapkgs::mirror
