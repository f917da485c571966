// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <optional>

namespace cudapkgs::store {

/// An flock(2) lock on a file, released when the object is destroyed. Locks conflict
/// between open file descriptions, so two FileLocks on one file conflict even in one process.
class FileLock {
  public:
    enum class Mode { Shared, Exclusive };

    /// Opens (creating) `path` and waits for the lock; throws Error{Internal} on I/O errors.
    static FileLock acquire(const std::filesystem::path& path, Mode mode);
    /// Like acquire() but returns nullopt instead of waiting when someone else holds it.
    static std::optional<FileLock> try_acquire(const std::filesystem::path& path, Mode mode);
    /// Takes the exclusive lock of a directory itself without waiting; nullopt when it is
    /// held elsewhere, is not a directory (symlinks are not followed) or cannot be opened.
    static std::optional<FileLock> try_lock_directory(const std::filesystem::path& path);

    FileLock() = default;
    ~FileLock();
    FileLock(FileLock&& other) noexcept;
    FileLock& operator=(FileLock&& other) noexcept;
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

    bool held() const noexcept { return m_fd >= 0; }
    /// Releases the lock now (idempotent).
    void release() noexcept;

  private:
    explicit FileLock(int fd) : m_fd(fd) {}
    int m_fd = -1;
};

} // namespace cudapkgs::store
