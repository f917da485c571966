// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cudapkgs/fixups/build_step.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::pkgset {

struct SourceRecipe; // recipe.hpp

/// A licence as nixpkgs models it: a short name and whether it is free.
struct License {
    std::string short_name;
    bool free = false;
};

/// Where a package's archive comes from.
struct Source {
    std::string product;       ///< redist name: the archive's place is manifest::archive_path()
    std::string relative_path; ///< from the manifest
    std::string sha256;
    std::uint64_t size = 0;
    std::string platform; ///< manifest platform key the archive was chosen from
    std::string url;      ///< set by an overlay pin: an absolute URL instead of a mirror path
    /// Where the product's archives sit below a mirror: `<mirror>/<base_path>/<relative_path>`.
    /// `<product>/redist` for NVIDIA's redist products; sets.json `layouts` gives others
    /// (TensorRT: `machine-learning`). Empty when `url` is set or for hand-built Sources, which
    /// then mean `<product>/redist`. Not a derivation input (the archive's hash is).
    std::string base_path;
};

/// The URL of `src` on `mirror`: the overlay's pinned URL, else manifest::archive_url().
std::string source_url(const Source& src, std::string_view mirror);

/// One package of an evaluated set.
struct Package {
    std::string attr;  ///< attribute name in the set (cudnn, cudnn_9_8)
    std::string pname; ///< manifest key
    std::string version;
    std::string product;          ///< cuda, cudnn, …
    std::string manifest_version; ///< release the entry comes from (9.13.0)
    std::string description;
    std::optional<Source> src;
    License license;
    std::vector<std::string> outputs;
    std::vector<std::string> dependencies; ///< attribute names in the same set
    std::vector<std::string> platforms;    ///< Nix systems
    std::vector<std::string> unavailable_reasons;
    std::string main_program;
    std::vector<std::string> optional_dependencies; ///< used when present in the set
    std::vector<std::string> system_libraries;      ///< sonames expected from the host
    std::vector<std::string> ignore_missing;        ///< globs autoPatchelf may leave unresolved
    std::vector<fixups::BuildStep> build;           ///< fixup build steps, in order
    std::vector<std::string> fixup_origins;         ///< files whose rules applied
    /// Set for packages built from source with nvcc (packages/<name>/package.json).
    std::shared_ptr<const SourceRecipe> recipe;
    std::string recipe_hash; ///< content hash of the recipe's source directory

    bool available() const { return unavailable_reasons.empty(); }
};

} // namespace cudapkgs::pkgset
