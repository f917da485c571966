// SPDX-License-Identifier: Apache-2.0
#include "part_file.hpp"

#include <cudapkgs/util/error.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace cudapkgs::fetch {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kReadChunk = 1 << 20;

/// Feeds the first `limit` bytes of `fd` to `hash`; returns how many were read.
std::uint64_t hash_fd(int fd, util::Sha256& hash, std::uint64_t limit) {
    std::vector<char> buffer(kReadChunk);
    std::uint64_t total = 0;
    if (::lseek(fd, 0, SEEK_SET) < 0) {
        return 0;
    }
    while (total < limit) {
        std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), limit - total));
        ssize_t n = ::read(fd, buffer.data(), want);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        hash.update(std::span(reinterpret_cast<const std::uint8_t*>(buffer.data()),
                              static_cast<std::size_t>(n)));
        total += static_cast<std::uint64_t>(n);
    }
    return total;
}

void fsync_dir(const fs::path& dir) {
    int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

} // namespace

PartFile::PartFile(fs::path dest) : m_dest(std::move(dest)) {
    m_path = m_dest;
    m_path += ".part";
}

PartFile::~PartFile() {
    close_fd();
}

void PartFile::close_fd() noexcept {
    if (m_fd >= 0) {
        ::close(m_fd); // also releases the flock
        m_fd = -1;
    }
}

bool PartFile::open_locked() {
    // Another process may rename the part file away between our open and our lock; the inode
    // check makes sure we hold the lock on the file that is still called `<dest>.part`.
    for (int tries = 0; tries < 8; ++tries) {
        close_fd();
        m_fd = ::open(m_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (m_fd < 0) {
            fail(ErrorKind::Fetch, "cannot create {}: {}", m_path.string(), std::strerror(errno));
        }
        if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
            close_fd();
            return false;
        }
        struct stat by_fd {};
        struct stat by_path {};
        if (::fstat(m_fd, &by_fd) == 0 && ::stat(m_path.c_str(), &by_path) == 0 &&
            by_fd.st_ino == by_path.st_ino && by_fd.st_dev == by_path.st_dev) {
            return true;
        }
    }
    close_fd();
    return false;
}

std::uint64_t PartFile::resume(std::uint64_t expected_size) {
    struct stat st {};
    if (m_hash_current && ::fstat(m_fd, &st) == 0 &&
        static_cast<std::uint64_t>(st.st_size) == m_size && m_size <= expected_size) {
        return m_size; // a retry within this run: the running hash is still right
    }
    m_hash = util::Sha256();
    m_size = 0;
    if (::fstat(m_fd, &st) != 0 || static_cast<std::uint64_t>(st.st_size) > expected_size) {
        restart();
        return 0;
    }
    m_size = hash_fd(m_fd, m_hash, static_cast<std::uint64_t>(st.st_size));
    if (m_size != static_cast<std::uint64_t>(st.st_size)) {
        restart();
        return 0;
    }
    ::lseek(m_fd, static_cast<off_t>(m_size), SEEK_SET);
    m_hash_current = true;
    return m_size;
}

void PartFile::restart() {
    m_hash = util::Sha256();
    m_size = 0;
    m_hash_current = true;
    if (m_fd >= 0) {
        if (::ftruncate(m_fd, 0) != 0) {
            m_errno = errno;
        }
        ::lseek(m_fd, 0, SEEK_SET);
    }
}

bool PartFile::append(const char* data, std::size_t size) {
    std::size_t left = size;
    const char* p = data;
    while (left > 0) {
        ssize_t n = ::write(m_fd, p, left);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            m_errno = errno;
            m_hash_current = false;
            return false;
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    m_hash.update(std::span(reinterpret_cast<const std::uint8_t*>(data), size));
    m_size += size;
    return true;
}

std::string PartFile::digest_hex() {
    std::string hex = m_hash.finish_hex();
    m_hash = util::Sha256();
    m_hash_current = false;
    return hex;
}

void PartFile::commit() {
    if (::fsync(m_fd) != 0) {
        fail(ErrorKind::Fetch, "cannot write {}: {}", m_path.string(), std::strerror(errno));
    }
    if (::rename(m_path.c_str(), m_dest.c_str()) != 0) {
        fail(ErrorKind::Fetch, "cannot rename {} to {}: {}", m_path.string(), m_dest.string(),
             std::strerror(errno));
    }
    fsync_dir(m_dest.parent_path());
    close_fd();
}

void PartFile::discard() noexcept {
    if (m_fd >= 0) {
        ::unlink(m_path.c_str()); // while still locked, so no one else adopts it half-written
    }
    close_fd();
    m_size = 0;
}

std::optional<util::FileStamp> verified_stamp(const fs::path& path, std::uint64_t size,
                                              const std::string& sha256) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return std::nullopt;
    }
    std::unique_ptr<int, void (*)(int*)> closer(&fd, [](int* f) { ::close(*f); });
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        static_cast<std::uint64_t>(st.st_size) != size) {
        return std::nullopt;
    }
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    util::Sha256 hash;
    std::uint64_t n = hash_fd(fd, hash, size);
    auto after = util::stamp_of_fd(fd);
    if (n != size || hash.finish_hex() != sha256 || !after || *after != util::stamp_of(st)) {
        return std::nullopt; // short, different, or written to while we read it
    }
    return after;
}

bool file_matches(const fs::path& path, std::uint64_t size, const std::string& sha256) {
    return verified_stamp(path, size, sha256).has_value();
}

} // namespace cudapkgs::fetch
