// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/cache/archive.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/hash.hpp>
#include <cudapkgs/util/interrupt.hpp>
#include <cudapkgs/util/os_error.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace cudapkgs::cache {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kChunk = std::size_t{1} << 20;

struct Fd {
    int fd = -1;
    explicit Fd(int f) : fd(f) {}
    ~Fd() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
};

struct ArchiveFree {
    void operator()(archive* a) const noexcept { archive_write_free(a); }
};
struct EntryFree {
    void operator()(archive_entry* e) const noexcept { archive_entry_free(e); }
};

/// The write side: compressed bytes go to the file and into the digest.
struct Sink {
    int fd = -1;
    util::Sha256 sha;
    std::uint64_t size = 0;
    int error = 0;
};

la_ssize_t sink_write(archive*, void* user, const void* data, std::size_t n) {
    auto& sink = *static_cast<Sink*>(user);
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    sink.sha.update(std::span<const std::uint8_t>(bytes, n));
    std::size_t done = 0;
    while (done < n) {
        ssize_t w = ::write(sink.fd, bytes + done, n - done);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            sink.error = errno;
            return -1;
        }
        done += static_cast<std::size_t>(w);
    }
    sink.size += n;
    return static_cast<la_ssize_t>(n);
}

class TarWriter {
  public:
    TarWriter(Sink& sink, const ArchiveOptions& options) : m_sink(sink), m_a(archive_write_new()) {
        unsigned threads = options.threads != 0 ? options.threads
                                                : std::max(1u, std::thread::hardware_concurrency());
        check(archive_write_set_format_pax_restricted(m_a.get()), "set tar format");
        check(archive_write_add_filter_zstd(m_a.get()), "enable zstd");
        check(archive_write_set_filter_option(m_a.get(), "zstd", "compression-level",
                                              std::to_string(options.level).c_str()),
              "set the zstd level");
        check(archive_write_set_filter_option(m_a.get(), "zstd", "threads",
                                              std::to_string(threads).c_str()),
              "set zstd threads");
        // No zero padding after the compressed stream (libarchive pads the last block of
        // its output to 10240 bytes by default, which a zstd reader takes for a bad frame).
        check(archive_write_set_bytes_in_last_block(m_a.get(), 1), "set block padding");
        check(archive_write_open2(m_a.get(), &m_sink, nullptr, &sink_write, nullptr, nullptr),
              "open the output");
    }

    void add(const fs::path& abs, const std::string& name, const struct stat& st) {
        std::unique_ptr<archive_entry, EntryFree> e(archive_entry_new());
        archive_entry_set_pathname(e.get(), name.c_str());
        archive_entry_set_mtime(e.get(), 0, 0);
        archive_entry_set_uid(e.get(), 0);
        archive_entry_set_gid(e.get(), 0);
        archive_entry_set_perm(e.get(), st.st_mode & 0777);
        if (S_ISDIR(st.st_mode)) {
            archive_entry_set_filetype(e.get(), AE_IFDIR);
            check(archive_write_header(m_a.get(), e.get()), "write an entry header");
        } else if (S_ISLNK(st.st_mode)) {
            std::error_code ec;
            fs::path target = fs::read_symlink(abs, ec);
            if (ec) {
                fail(ErrorKind::Internal, "cannot read the symlink {}: {}", abs.string(),
                     ec.message());
            }
            archive_entry_set_filetype(e.get(), AE_IFLNK);
            archive_entry_set_symlink(e.get(), target.c_str());
            check(archive_write_header(m_a.get(), e.get()), "write an entry header");
        } else if (S_ISREG(st.st_mode)) {
            archive_entry_set_filetype(e.get(), AE_IFREG);
            archive_entry_set_size(e.get(), st.st_size);
            check(archive_write_header(m_a.get(), e.get()), "write an entry header");
            copy_data(abs, static_cast<std::uint64_t>(st.st_size));
            m_content_size += static_cast<std::uint64_t>(st.st_size);
        } else {
            fail(ErrorKind::Integrity,
                 "{} is not a file, directory or symlink; it cannot be "
                 "archived",
                 abs.string());
        }
    }

    std::uint64_t finish() {
        check(archive_write_close(m_a.get()), "finish the archive");
        return m_content_size;
    }

  private:
    void copy_data(const fs::path& abs, std::uint64_t size) {
        Fd fd(::open(abs.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (fd.fd < 0) {
            util::fail_os(errno, "open", abs);
        }
        ::posix_fadvise(fd.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        m_buffer.resize(kChunk);
        std::uint64_t done = 0;
        while (true) {
            ssize_t n = ::read(fd.fd, m_buffer.data(), m_buffer.size());
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0) {
                util::fail_os(errno, "read", abs);
            }
            if (n == 0) {
                break;
            }
            if (done + static_cast<std::uint64_t>(n) > size) {
                break; // grew while being read: reported below
            }
            la_ssize_t w = archive_write_data(m_a.get(), m_buffer.data(), static_cast<size_t>(n));
            if (w != n) {
                check(ARCHIVE_FATAL, "write file data");
            }
            done += static_cast<std::uint64_t>(n);
        }
        if (done != size) {
            fail(ErrorKind::Integrity, "{} changed size while it was archived", abs.string());
        }
    }

    void check(int rc, std::string_view what) {
        if (rc == ARCHIVE_OK || rc == ARCHIVE_WARN) {
            return;
        }
        std::string detail = archive_error_string(m_a.get()) != nullptr
                                 ? archive_error_string(m_a.get())
                                 : "unknown error";
        if (m_sink.error != 0) {
            detail = std::strerror(m_sink.error);
        }
        fail(ErrorKind::Internal, "cannot {} of the cache archive: {}", what, detail);
    }

    Sink& m_sink;
    std::unique_ptr<archive, ArchiveFree> m_a;
    std::vector<char> m_buffer;
    std::uint64_t m_content_size = 0;
};

struct stat lstat_or_fail(const fs::path& p) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) {
        util::fail_os(errno, "stat", p);
    }
    return st;
}

/// Adds the children of `dir` (then their children), sorted byte-wise by name.
void add_children(TarWriter& tar, const fs::path& dir, const std::string& prefix) {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        names.push_back(it->path().filename().native());
    }
    if (ec) {
        util::fail_os(ec, "list", dir);
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
        util::check_interrupt();
        fs::path abs = dir / name;
        std::string rel = prefix.empty() ? name : prefix + "/" + name;
        struct stat st = lstat_or_fail(abs);
        tar.add(abs, rel, st);
        if (S_ISDIR(st.st_mode)) {
            add_children(tar, abs, rel);
        }
    }
}

} // namespace

ArchiveResult write_archive(const fs::path& root, const fs::path& dest,
                            const ArchiveOptions& options) {
    struct stat st = lstat_or_fail(root);
    if (!S_ISDIR(st.st_mode)) {
        fail(ErrorKind::InvalidInput, "{} is not a directory; only directories are archived",
             root.string());
    }
    Fd out(::open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (out.fd < 0) {
        util::fail_os(errno, "create", dest);
    }
    Sink sink;
    sink.fd = out.fd;
    ArchiveResult result;
    {
        TarWriter tar(sink, options);
        add_children(tar, root, "");
        result.content_size = tar.finish();
    }
    if (::fsync(out.fd) != 0) {
        util::fail_os(errno, "fsync", dest);
    }
    result.sha256 = sink.sha.finish_hex();
    result.size = sink.size;
    return result;
}

} // namespace cudapkgs::cache
