// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace cudapkgs::util {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        fail(ErrorKind::InvalidInput, "cannot read {}: {}", path.string(), std::strerror(errno));
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return std::move(buffer).str();
}

namespace {

/// A full disk is not bad input: it is reported like a full disk while unpacking (exit 6).
ErrorKind write_error_kind(int err) {
    return err == ENOSPC || err == EDQUOT ? ErrorKind::BuildFailed : ErrorKind::InvalidInput;
}

} // namespace

void write_file_atomic(const fs::path& path, std::string_view content, fs::perms mode) {
    fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    // Built piecewise: GCC 12 warns falsely (-Wrestrict) on `"." + std::string&&`.
    std::string name = ".";
    name += path.filename().string();
    name += ".tmp-XXXXXX";
    std::string tmpl = (dir / name).string();
    int fd = ::mkstemp(tmpl.data());
    if (fd < 0) {
        int saved = errno;
        fail(write_error_kind(saved), "cannot create a temporary file beside {}: {}", path.string(),
             std::strerror(saved));
    }
    const char* data = content.data();
    std::size_t left = content.size();
    while (left > 0) {
        ssize_t n = ::write(fd, data, left);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            int saved = errno;
            ::close(fd);
            ::unlink(tmpl.c_str());
            fail(write_error_kind(saved), "cannot write {}: {}", path.string(),
                 std::strerror(saved));
        }
        data += n;
        left -= static_cast<std::size_t>(n);
    }
    ::fchmod(fd, static_cast<mode_t>(mode));
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        int saved = errno;
        ::unlink(tmpl.c_str());
        fail(write_error_kind(saved), "cannot write {}: {}", path.string(), std::strerror(saved));
    }
    if (::rename(tmpl.c_str(), path.c_str()) != 0) {
        int saved = errno;
        ::unlink(tmpl.c_str());
        fail(ErrorKind::InvalidInput, "cannot rename into {}: {}", path.string(),
             std::strerror(saved));
    }
}

ScopedTempDir::ScopedTempDir(const fs::path& parent, std::string_view prefix) {
    fs::path base = parent.empty() ? fs::temp_directory_path() : parent;
    std::string tmpl = (base / (std::string(prefix) + "XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
        fail(ErrorKind::InvalidInput, "cannot create a temporary directory in {}: {}",
             base.string(), std::strerror(errno));
    }
    m_path = tmpl;
}

ScopedTempDir::~ScopedTempDir() {
    if (!m_path.empty()) {
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }
}

} // namespace cudapkgs::util
