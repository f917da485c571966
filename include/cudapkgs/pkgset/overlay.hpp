// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cudapkgs/fixups/fixup.hpp>
#include <cudapkgs/pkgset/package.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cudapkgs::pkgset {

/// One package entry of an overlay: removal (`null`), a change to an existing package, or a new
/// package.
struct OverlayPackage {
    std::string name;
    bool remove = false;
    std::optional<std::string> pname;
    std::optional<std::string> version;
    std::optional<Source> src;
    std::optional<std::string> description;
    fixups::RuleList rules;
};

/// An overlay file: `{"sets": [...], "packages": {name: entry | null}}`; applies to every set
/// when `sets` is absent.
struct Overlay {
    std::string path;
    std::string hash; ///< sha256 of the file's content
    std::vector<std::string> sets;
    std::vector<OverlayPackage> packages;

    bool applies_to(std::string_view set_name) const;
};

/// Parses an overlay; throws Error{InvalidInput} naming file, line and key.
Overlay parse_overlay(std::string_view text, std::string_view path);
/// Reads and parses an overlay file.
Overlay load_overlay(const std::string& path);

} // namespace cudapkgs::pkgset
