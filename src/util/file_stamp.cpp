// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/util/file_stamp.hpp>

#include <sys/stat.h>

namespace cudapkgs::util {

FileStamp stamp_of(const struct stat& st) {
    auto ns = [](const struct timespec& t) {
        return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
    };
    return FileStamp{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                     static_cast<std::uint64_t>(st.st_size), ns(st.st_mtim), ns(st.st_ctim)};
}

std::optional<FileStamp> stamp_of_fd(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        return std::nullopt;
    }
    return stamp_of(st);
}

std::optional<FileStamp> stamp_of_path(const std::filesystem::path& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        return std::nullopt;
    }
    return stamp_of(st);
}

} // namespace cudapkgs::util
