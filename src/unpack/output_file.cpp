// SPDX-License-Identifier: Apache-2.0
#include "output_file.hpp"

#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/os_error.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cudapkgs::unpack::detail {

namespace {
constexpr std::size_t kBufferSize = std::size_t{1} << 20;

[[noreturn]] void io_error(const char* what, const std::filesystem::path& path) {
    // A full disk fails the build step (exit 6), a permission or read-only file system is the
    // environment's (exit 7); anything else here is unexpected.
    util::fail_os(errno, what, path);
}
} // namespace

void replace_with(const std::filesystem::path& dest, const UnsafeFn& on_unsafe) {
    struct stat st {};
    if (::lstat(dest.c_str(), &st) != 0) {
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        on_unsafe(dest.string() + " exists and is a directory");
        return;
    }
    if (::unlink(dest.c_str()) != 0) {
        io_error("replace", dest);
    }
}

OutputFile::OutputFile() : m_buffer(kBufferSize) {}

OutputFile::~OutputFile() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

void OutputFile::create(const std::filesystem::path& dest, std::uint32_t mode,
                        const UnsafeFn& on_unsafe, bool hash, bool start_writeback) {
    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    m_fd = ::open(dest.c_str(), flags, 0600);
    if (m_fd < 0 && errno == EEXIST) { // a duplicate entry: the later one wins, as with tar
        replace_with(dest, on_unsafe);
        m_fd = ::open(dest.c_str(), flags, 0600);
    }
    if (m_fd < 0) {
        io_error("create", dest);
    }
    m_path = dest;
    m_mode = mode;
    m_used = 0;
    m_buffer_offset = 0;
    m_end = 0;
    m_written_back = 0;
    m_writeback = start_writeback;
    m_hash.reset();
    m_digest.reset();
    if (hash) {
        m_hash.emplace();
    }
}

void OutputFile::start_writeback(std::uint64_t end, bool all) {
    constexpr std::uint64_t kWritebackStep = std::uint64_t{8} << 20;
    if (m_writeback && end > m_written_back && (all || end - m_written_back >= kWritebackStep)) {
        ::sync_file_range(m_fd, static_cast<off_t>(m_written_back),
                          static_cast<off_t>(end - m_written_back), SYNC_FILE_RANGE_WRITE);
        m_written_back = end;
    }
}

void OutputFile::write_all(const char* data, std::size_t size, std::uint64_t offset) {
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = ::pwrite(m_fd, data + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            io_error("write", m_path);
        }
        done += static_cast<std::size_t>(n);
    }
    start_writeback(offset + size, false);
}

void OutputFile::flush() {
    write_all(m_buffer.data(), m_used, m_buffer_offset);
    m_buffer_offset += m_used;
    m_used = 0;
}

void OutputFile::write_at(std::uint64_t offset, const char* data, std::size_t size) {
    if (offset != m_buffer_offset + m_used) { // a hole in a sparse entry
        flush();
        m_buffer_offset = offset;
        m_hash.reset();
    }
    if (m_hash) {
        m_hash->update(std::string_view(data, size));
    }
    if (size >= m_buffer.size() / 2) {
        // Big blocks (the decoder hands out up to 1 MiB at a time) go straight to the file
        // after what is buffered; copying them into the buffer first would only cost a memcpy.
        flush();
        write_all(data, size, m_buffer_offset);
        m_buffer_offset += size;
        m_end = std::max(m_end, m_buffer_offset);
        return;
    }
    while (size > 0) {
        std::size_t n = std::min(size, m_buffer.size() - m_used);
        std::memcpy(m_buffer.data() + m_used, data, n);
        m_used += n;
        data += n;
        size -= n;
        if (m_used == m_buffer.size()) {
            flush();
        }
    }
    m_end = std::max(m_end, m_buffer_offset + m_used);
}

std::uint64_t OutputFile::finish(std::uint64_t logical_size) {
    flush();
    std::uint64_t size = std::max(m_end, logical_size);
    if (size > m_end && ::ftruncate(m_fd, static_cast<off_t>(size)) != 0) {
        io_error("extend", m_path);
    }
    if (::fchmod(m_fd, static_cast<mode_t>(m_mode)) != 0) {
        io_error("chmod", m_path);
    }
    if (m_hash && size == m_end) {
        // Stamped after the last change this class makes (fchmod moves the ctime).
        if (auto stamp = util::stamp_of_fd(m_fd)) {
            m_digest = util::FileDigest{m_hash->finish_hex(), *stamp};
        }
    }
    m_hash.reset();
    start_writeback(m_end, true);
    int fd = m_fd;
    m_fd = -1;
    if (::close(fd) != 0) {
        io_error("close", m_path);
    }
    return size;
}

} // namespace cudapkgs::unpack::detail
