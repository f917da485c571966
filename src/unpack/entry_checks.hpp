// SPDX-License-Identifier: Apache-2.0
// Lexical path checks for archive entries (module-private).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace cudapkgs::unpack::detail {

/// Splits an archive entry name into a normalised relative path (no "", "." components);
/// returns the problem for absolute names, ".." components or names containing NUL.
struct NormalisedName {
    std::filesystem::path path;
    std::string problem;
};
NormalisedName normalise_entry_name(std::string_view name);

/// Why the symlink `target` written at relative location `link` (inside a tree rooted at "")
/// would point outside that tree; empty when it stays inside.
std::string symlink_escape_problem(const std::filesystem::path& link, std::string_view target);

/// True when `path` (absolute, lexically normal) equals `root` or lies below it.
bool is_within(const std::filesystem::path& path, const std::filesystem::path& root);

} // namespace cudapkgs::unpack::detail
