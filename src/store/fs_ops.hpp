// SPDX-License-Identifier: Apache-2.0
// File-system helpers of the store (module-private).
#pragma once

#include <filesystem>

namespace cudapkgs::store::detail {

/// Removes a file or tree without following symlinks, making read-only directories writable
/// first; a missing path is fine. Throws Error{Internal} when something cannot be removed.
void remove_tree(const std::filesystem::path& path);

/// fsyncs a directory (or file) by path; throws Error{Internal} on failure.
void fsync_path(const std::filesystem::path& path);

/// True when `path` exists without following a final symlink.
bool lexists(const std::filesystem::path& path);

/// A fresh random name of `length` nix-base32 characters.
std::string random_name(std::size_t length = 16);

} // namespace cudapkgs::store::detail
