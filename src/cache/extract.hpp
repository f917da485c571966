// SPDX-License-Identifier: Apache-2.0
// Unpacking one cache archive into a build directory, checking every signed number.
#pragma once

#include <cudapkgs/cache/cache_info.hpp>
#include <cudapkgs/store/tree_hash.hpp>

#include <filesystem>
#include <string_view>

namespace cudapkgs::cache::detail {

/// Unpacks `archive` into `dest` (an empty directory), hashing the compressed bytes as they
/// are read, then checks ArchiveSize and ArchiveSha256 of `info`; Size bounds the unpacked
/// bytes. Throws Error{Integrity} naming `source` on any mismatch or unsafe entry; `dest` is
/// then garbage. ContentHash is checked by the store's commit (CommitOutput::expected_hash),
/// which hashes the tree anyway; the digests of the files taken while unpacking are returned
/// for it (CommitOutput::known_digests), so it need not read them back.
store::KnownDigests extract_verified(const std::filesystem::path& archive, const CacheInfo& info,
                                     const std::filesystem::path& dest, std::string_view source);

} // namespace cudapkgs::cache::detail
