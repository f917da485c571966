// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/elf/byte_source.hpp>
#include <cudapkgs/util/error.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cudapkgs::elf {

FileSource::FileSource(const std::filesystem::path& path, bool writable) : m_name(path.string()) {
    m_fd = ::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (m_fd < 0) {
        fail(ErrorKind::InvalidInput, "cannot open {}: {}", m_name, std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(m_fd, &st) != 0) {
        int saved = errno;
        ::close(m_fd);
        fail(ErrorKind::InvalidInput, "cannot stat {}: {}", m_name, std::strerror(saved));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(m_fd);
        fail(ErrorKind::InvalidInput, "{} is not a regular file", m_name);
    }
    m_size = static_cast<std::uint64_t>(st.st_size);
}

FileSource::~FileSource() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

void FileSource::read(std::uint64_t offset, void* out, std::size_t n, std::string_view what) const {
    if (!in_bounds(offset, n, m_size)) {
        fail(ErrorKind::Integrity,
             "{}: malformed ELF: {} (offset {:#x}, size {:#x}) is beyond the "
             "end of the file ({:#x} bytes)",
             m_name, what, offset, n, m_size);
    }
    auto* dst = static_cast<char*>(out);
    while (n > 0) {
        ssize_t got = ::pread(m_fd, dst, n, static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            fail(ErrorKind::InvalidInput, "cannot read {}: {}", m_name,
                 got < 0 ? std::strerror(errno) : "unexpected end of file");
        }
        dst += got;
        offset += static_cast<std::uint64_t>(got);
        n -= static_cast<std::size_t>(got);
    }
}

void MemorySource::read(std::uint64_t offset, void* out, std::size_t n,
                        std::string_view what) const {
    if (!in_bounds(offset, n, m_bytes.size())) {
        fail(ErrorKind::Integrity,
             "{}: malformed ELF: {} (offset {:#x}, size {:#x}) is beyond the "
             "end of the file ({:#x} bytes)",
             m_name, what, offset, n, m_bytes.size());
    }
    if (n > 0) {
        std::memcpy(out, m_bytes.data() + offset, n);
    }
}

} // namespace cudapkgs::elf
