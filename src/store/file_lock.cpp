// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/store/file_lock.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/interrupt.hpp>
#include <cudapkgs/util/os_error.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace cudapkgs::store {

namespace {

int open_lock_file(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        util::fail_os(errno, "open the lock file", path);
    }
    return fd;
}

int flock_op(FileLock::Mode mode) {
    return mode == FileLock::Mode::Shared ? LOCK_SH : LOCK_EX;
}

bool try_lock_fd(int fd, FileLock::Mode mode) noexcept {
    while (::flock(fd, flock_op(mode) | LOCK_NB) != 0) {
        if (errno != EINTR) {
            return false;
        }
    }
    return true;
}

} // namespace

FileLock FileLock::acquire(const std::filesystem::path& path, Mode mode) {
    int fd = open_lock_file(path);
    while (::flock(fd, flock_op(mode)) != 0) {
        if (errno == EINTR && util::interrupt_requested()) {
            ::close(fd); // waiting for another process's lock: stop here
            util::check_interrupt();
        }
        if (errno != EINTR) {
            int saved = errno;
            ::close(fd);
            util::fail_os(saved, "lock", path);
        }
    }
    return FileLock(fd);
}

std::optional<FileLock> FileLock::try_acquire(const std::filesystem::path& path, Mode mode) {
    int fd = open_lock_file(path);
    if (!try_lock_fd(fd, mode)) {
        ::close(fd);
        return std::nullopt;
    }
    return FileLock(fd);
}

std::optional<FileLock> FileLock::try_lock_directory(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return std::nullopt;
    }
    if (!try_lock_fd(fd, Mode::Exclusive)) {
        ::close(fd);
        return std::nullopt;
    }
    return FileLock(fd);
}

FileLock::~FileLock() {
    release();
}

FileLock::FileLock(FileLock&& other) noexcept : m_fd(other.m_fd) {
    other.m_fd = -1;
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
    if (this != &other) {
        release();
        m_fd = other.m_fd;
        other.m_fd = -1;
    }
    return *this;
}

void FileLock::release() noexcept {
    if (m_fd >= 0) {
        ::close(m_fd); // closing the only descriptor drops the flock
        m_fd = -1;
    }
}

} // namespace cudapkgs::store
