// SPDX-License-Identifier: Apache-2.0
// A binary cache's metadata for one store path (`<hash>.cpinfo`, docs/cache.md).
#pragma once

#include <cudapkgs/cache/signing.hpp>
#include <cudapkgs/storepath/store_path.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::cache {

/// The archive compression this version writes and reads.
inline constexpr std::string_view kCompression = "zstd";

/// What a cache says about one store path. Every field but the signatures is covered by
/// the signed fingerprint (ArchivePath is derived from ArchiveSha256 and checked).
struct CacheInfo {
    storepath::StorePath store_path; ///< base name, independent of the store directory
    std::string content_hash = {};   ///< "sha256:<hex>", the store's content hash
    std::uint64_t size = 0;          ///< bytes of file contents once unpacked
    std::string archive_sha256 = {}; ///< lower-case hex of the compressed archive
    std::uint64_t archive_size = 0;  ///< bytes of the compressed archive
    std::vector<storepath::StorePath> references = {}; ///< sorted base names
    std::optional<std::string> deriver = {};
    std::vector<std::string> signatures = {}; ///< `NAME:base64(sig)`

    /// `archives/<ArchiveSha256>.tar.zst`, relative to the cache root.
    std::string archive_path() const;
    /// The string signatures cover:
    /// `cudapkgs-cache-1;<path>;<content hash>;<size>;<archive sha256>;<archive size>;`
    /// `<refs comma-joined>;<deriver or empty>`.
    std::string fingerprint() const;
};

/// The metadata file name of a store path: `<32-char hash>.cpinfo`.
std::string info_file_name(const storepath::StorePath& path);

/// Serialises as `Key: value` lines (StorePath, ContentHash, Size, ArchivePath, ArchiveSha256,
/// ArchiveSize, Compression, References, Deriver, Sig…).
std::string to_text(const CacheInfo& info);

/// Parses `to_text()` output; unknown keys are ignored, a missing, repeated or malformed
/// field is Error{Integrity} naming `origin` (a cache entry is remote, untrusted input).
CacheInfo parse_cache_info(std::string_view text, std::string_view origin);

/// Adds a signature by `key` over the fingerprint (replacing one by the same key name).
void sign_info(CacheInfo& info, const SecretKey& key);

/// True when some signature verifies with a key of `trusted`.
bool has_valid_signature(const CacheInfo& info, std::span<const PublicKey> trusted);

} // namespace cudapkgs::cache
