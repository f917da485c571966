// SPDX-License-Identifier: Apache-2.0
// `<dest>.part`: the file a download grows in, hashed as it grows, locked against other
// processes, and renamed into place only once verified.
#pragma once

#include <cudapkgs/util/file_stamp.hpp>
#include <cudapkgs/util/hash.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace cudapkgs::fetch {

class PartFile {
  public:
    /// Uses `<dest>.part`; nothing is opened yet.
    explicit PartFile(std::filesystem::path dest);
    ~PartFile();
    PartFile(const PartFile&) = delete;
    PartFile& operator=(const PartFile&) = delete;

    /// Opens (creating) and exclusively locks the part file; false when another process holds
    /// the lock. Throws Error{Fetch} when it cannot be created.
    bool open_locked();
    /// Hashes the bytes already in the file (an interrupted earlier download) so the download
    /// can continue after them; a file longer than `expected_size` is emptied. Returns the size.
    std::uint64_t resume(std::uint64_t expected_size);
    /// Empties the file and the running hash (a server that ignored Range, a bad resume).
    void restart();
    /// Appends bytes and hashes them; false on a write error (errno kept in last_errno()).
    bool append(const char* data, std::size_t size);

    std::uint64_t size() const noexcept { return m_size; }
    int last_errno() const noexcept { return m_errno; }
    const std::filesystem::path& path() const noexcept { return m_path; }
    /// The digest of everything appended (lower-case hex); the hash restarts afterwards.
    std::string digest_hex();

    /// fsyncs, renames over `m_dest`, fsyncs the directory and closes. Throws Error{Fetch}.
    void commit();
    /// Closes and deletes the part file.
    void discard() noexcept;

  private:
    void close_fd() noexcept;

    std::filesystem::path m_dest;
    std::filesystem::path m_path;
    int m_fd = -1;
    int m_errno = 0;
    std::uint64_t m_size = 0;
    bool m_hash_current = false; ///< m_hash covers exactly the m_size bytes on disk
    util::Sha256 m_hash;
};

/// True when `path` exists with exactly `size` bytes and the given sha256.
bool file_matches(const std::filesystem::path& path, std::uint64_t size, const std::string& sha256);
/// file_matches() that also returns the stamp of the file it verified (unchanged while read).
std::optional<util::FileStamp> verified_stamp(const std::filesystem::path& path, std::uint64_t size,
                                              const std::string& sha256);

} // namespace cudapkgs::fetch
