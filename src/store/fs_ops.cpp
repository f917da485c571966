// SPDX-License-Identifier: Apache-2.0
#include "fs_ops.hpp"

#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/os_error.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

namespace cudapkgs::store::detail {

namespace fs = std::filesystem;

void remove_tree(const fs::path& path) {
    std::error_code ec;
    auto status = fs::symlink_status(path, ec);
    if (ec || !fs::exists(status)) {
        return;
    }
    if (fs::is_directory(status)) {
        // A sealed tree has 0555 directories; unlinking their entries needs owner write.
        fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
        for (auto it = fs::recursive_directory_iterator(path, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (it->is_directory(ec) && !it->is_symlink(ec)) {
                fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
            }
        }
    }
    fs::remove_all(path, ec);
    if (ec) {
        util::fail_os(ec, "remove", path);
    }
}

void fsync_path(const fs::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        int saved = errno;
        if (fd >= 0) {
            ::close(fd);
        }
        util::fail_os(saved, "fsync", path);
    }
    ::close(fd);
}

bool lexists(const fs::path& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

std::string random_name(std::size_t length) {
    static constexpr std::string_view kAlphabet = "0123456789abcdfghijklmnpqrsvwxyz";
    std::random_device device;
    std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
    std::string out;
    for (std::size_t i = 0; i < length; ++i) {
        out.push_back(kAlphabet[pick(device)]);
    }
    return out;
}

} // namespace cudapkgs::store::detail
