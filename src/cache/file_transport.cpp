// SPDX-License-Identifier: Apache-2.0
// The `file://` transport: a directory, written with temporary names and link(2).
#include "transports.hpp"

#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>
#include <cudapkgs/util/os_error.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <unistd.h>

namespace cudapkgs::cache::detail {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxText = std::uintmax_t{1} << 20;

std::string random_suffix() {
    static thread_local std::mt19937_64 rng(std::random_device{}());
    return fmt::format("{:016x}", rng());
}

void fsync_dir(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

} // namespace

FileTransport::FileTransport(fetch::SanitizedUrl url, fs::path root)
    : m_url(std::move(url)), m_root(std::move(root)) {}

std::optional<std::string> FileTransport::get_text(const std::string& rel) {
    fs::path p = m_root / rel;
    std::error_code ec;
    auto size = fs::file_size(p, ec);
    if (ec) {
        if (ec == std::errc::no_such_file_or_directory) {
            return std::nullopt;
        }
        fail(ErrorKind::Fetch, "cannot read {}: {}", p.string(), ec.message());
    }
    if (size > kMaxText) {
        fail(ErrorKind::Integrity, "{} is larger than 1 MiB; refusing it as metadata", p.string());
    }
    return util::read_file(p);
}

bool FileTransport::exists(const std::string& rel) {
    std::error_code ec;
    return fs::exists(m_root / rel, ec);
}

bool FileTransport::put_file(const std::string& rel, const fs::path& local) {
    fs::path dest = m_root / rel;
    std::error_code ec;
    fs::create_directories(dest.parent_path(), ec);
    if (ec) {
        util::fail_os(ec, "create", dest.parent_path());
    }
    fs::path tmp =
        dest.parent_path() / (".tmp-" + random_suffix() + "-" + dest.filename().string());
    fs::copy_file(local, tmp, ec);
    if (!ec) {
        int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::fsync(fd) != 0) {
            ec = std::error_code(errno, std::generic_category());
        }
        if (fd >= 0) {
            ::close(fd);
        }
    }
    if (ec) {
        std::error_code ignored;
        fs::remove(tmp, ignored);
        util::fail_os(ec, "write", tmp);
    }
    fs::permissions(tmp,
                    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                        fs::perms::others_read,
                    ec);
    // link(2) never replaces an existing name, unlike rename(2): a concurrent pusher's file
    // (or one already there) wins and stays intact.
    int rc = ::link(tmp.c_str(), dest.c_str());
    int saved = errno;
    ::unlink(tmp.c_str());
    if (rc != 0 && saved == EEXIST) {
        return false;
    }
    if (rc != 0) {
        util::fail_os(saved, "create", dest);
    }
    fsync_dir(dest.parent_path());
    return true;
}

fs::path FileTransport::get_archive(const CacheInfo& info, const fs::path&) {
    fs::path p = m_root / info.archive_path();
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) {
        fail(ErrorKind::Fetch, "{} has no archive {}", m_url.str(), info.archive_path());
    }
    return p;
}

} // namespace cudapkgs::cache::detail
