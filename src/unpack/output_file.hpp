// SPDX-License-Identifier: Apache-2.0
// Buffered, sparse-aware writing of one extracted file (module-private).
#pragma once

#include <cudapkgs/util/file_stamp.hpp>
#include <cudapkgs/util/hash.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cudapkgs::unpack::detail {

/// Called with a reason when the destination cannot be used safely; must throw.
using UnsafeFn = std::function<void(const std::string&)>;

/// Removes a file or symlink at `dest` so a new entry can take its place; a directory there is
/// unsafe (reported through `on_unsafe`).
void replace_with(const std::filesystem::path& dest, const UnsafeFn& on_unsafe);

/// One output file at a time, written through a large buffer (few, big write calls).
class OutputFile {
  public:
    OutputFile();
    ~OutputFile();
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    /// Creates `dest` (never following a symlink there) to be given `mode` when finished;
    /// with `hash`, the bytes are also hashed as they are written (see digest()).
    void create(const std::filesystem::path& dest, std::uint32_t mode, const UnsafeFn& on_unsafe,
                bool hash = false, bool start_writeback = false);
    /// Writes `size` bytes at `offset` (tar data blocks arrive in order; holes are skipped).
    void write_at(std::uint64_t offset, const char* data, std::size_t size);
    /// Flushes, extends to `logical_size`, sets the mode and closes; returns the file size.
    /// With create()'s `start_writeback`, the kernel's writeback of the data was started as it
    /// was written (every few MiB) and is started here for the rest, so a later fsync has
    /// little left to wait for and no single call submits a whole large file at once.
    std::uint64_t finish(std::uint64_t logical_size);

    /// After finish(): the file's SHA-256 and stamp, when hashing was asked for and the file
    /// had no holes (a sparse entry is left for the store to hash from disk).
    std::optional<util::FileDigest> digest() const { return m_digest; }

  private:
    void flush();
    void write_all(const char* data, std::size_t size, std::uint64_t offset);
    void start_writeback(std::uint64_t end, bool all);
    int m_fd = -1;
    std::filesystem::path m_path;
    std::uint32_t m_mode = 0;
    std::vector<char> m_buffer;
    std::size_t m_used = 0;
    std::uint64_t m_buffer_offset = 0;  ///< file offset of m_buffer[0]
    std::uint64_t m_end = 0;            ///< highest offset written so far
    std::optional<util::Sha256> m_hash; ///< while hashing and no hole was seen
    std::optional<util::FileDigest> m_digest;
    bool m_writeback = false;
    std::uint64_t m_written_back = 0; ///< writeback has been started for [0, this)
};

} // namespace cudapkgs::unpack::detail
