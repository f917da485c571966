// SPDX-License-Identifier: Apache-2.0
// The archive of a store path: a deterministic tar, compressed with zstd (docs/cache.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace cudapkgs::cache {

struct ArchiveOptions {
    int level = 9;        ///< zstd compression level (1-19)
    unsigned threads = 0; ///< zstd worker threads; 0 = one per CPU
};

/// What write_archive() produced.
struct ArchiveResult {
    std::string sha256;             ///< of the compressed bytes, lower-case hex
    std::uint64_t size = 0;         ///< compressed bytes
    std::uint64_t content_size = 0; ///< bytes of regular-file contents archived
};

/// Writes `root` (a directory) as a tar whose entries are sorted byte-wise (depth first),
/// named relative to `root`, with mtime 0, uid/gid 0, no owner names and the permission bits
/// found on disk, compressed with zstd, to `dest` (created or truncated). The same tree gives
/// the same bytes. Throws Error{Integrity} for a tree the store cannot hold (devices, fifos)
/// or a file that changes while it is read, Error{Internal} on I/O or libarchive failures.
ArchiveResult write_archive(const std::filesystem::path& root, const std::filesystem::path& dest,
                            const ArchiveOptions& options = {});

} // namespace cudapkgs::cache
