// SPDX-License-Identifier: Apache-2.0
// Which state of an inode a recorded fact (a content digest, a verified hash) belongs to.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

struct stat;

namespace cudapkgs::util {

/// Identity and change times of an inode. Any write to the file changes its ctime, which no
/// user can set back, so an equal stamp means "the same file, not written since" (up to the
/// kernel's timestamp granularity: callers that change files themselves also forget what
/// they recorded about them).
struct FileStamp {
    std::uint64_t dev = 0;
    std::uint64_t ino = 0;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;

    bool operator==(const FileStamp&) const = default;
};

FileStamp stamp_of(const struct stat& st);
/// The stamp of an open file; nullopt when fstat fails.
std::optional<FileStamp> stamp_of_fd(int fd);
/// The stamp of `path` (not following a final symlink); nullopt when it cannot be stat'ed.
std::optional<FileStamp> stamp_of_path(const std::filesystem::path& path);

/// A regular file's SHA-256, taken from the bytes as they were written, and the stamp of the
/// file right after (so a reader can tell whether the digest still describes the file).
struct FileDigest {
    std::string sha256; ///< lower-case hex
    FileStamp stamp;
};

} // namespace cudapkgs::util
