// SPDX-License-Identifier: Apache-2.0
// Writing an EditPlan: a copy beside the file made in the kernel (a reflink where the file
// system has them, else copy_file_range), a few pwrites, one appended segment, rename.
// Memory stays independent of the file size.
#include <cudapkgs/elf/edit_plan.hpp>
#include <cudapkgs/elf/elf_editor.hpp>
#include <cudapkgs/util/error.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace cudapkgs::elf {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void io_fail(std::string_view what, const std::string& name) {
    fail(ErrorKind::InvalidInput, "cannot {} {}: {}", what, name, std::strerror(errno));
}

void pwrite_all(int fd, std::string_view bytes, std::uint64_t offset, const std::string& name) {
    while (!bytes.empty()) {
        ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            io_fail("write", name);
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
        offset += static_cast<std::uint64_t>(n);
    }
}

// Streams with a small buffer when the kernel cannot copy (other file systems, old kernels).
void copy_with_buffer(int in, int out, std::uint64_t from, std::uint64_t size,
                      const std::string& name) {
    std::vector<char> buffer(std::size_t{1} << 20);
    while (from < size) {
        auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size - from));
        ssize_t n = ::pread(in, buffer.data(), want, static_cast<off_t>(from));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            io_fail("read", name);
        }
        pwrite_all(out, std::string_view(buffer.data(), static_cast<std::size_t>(n)), from, name);
        from += static_cast<std::uint64_t>(n);
    }
}

void copy_file(int in, int out, std::uint64_t size, const std::string& name) {
    // A reflink (btrfs, XFS) shares the extents: O(1) whatever the size.
    if (::ioctl(out, FICLONE, in) == 0) {
        return;
    }
    std::uint64_t done = 0;
    while (done < size) {
        loff_t in_off = static_cast<loff_t>(done);
        loff_t out_off = static_cast<loff_t>(done);
        ssize_t n = ::copy_file_range(in, &in_off, out, &out_off, size - done, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 &&
            (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
            copy_with_buffer(in, out, done, size, name);
            return;
        }
        if (n <= 0) {
            io_fail("copy", name);
        }
        done += static_cast<std::uint64_t>(n);
    }
}

void write_plan(int fd, const EditPlan& plan, const std::string& name) {
    // The new segment first, headers last: an interrupted in-place write leaves headers that
    // still describe the old layout.
    if (!plan.append.empty()) {
        pwrite_all(fd, plan.append, plan.append_offset, name);
    }
    for (const auto& p : plan.patches) {
        pwrite_all(fd, p.bytes, p.offset, name);
    }
}

class TempFile {
  public:
    explicit TempFile(const fs::path& beside) {
        fs::path dir = beside.parent_path().empty() ? fs::path(".") : beside.parent_path();
        m_path = (dir / ("." + beside.filename().string() + ".cudapkgs-XXXXXX")).string();
        m_fd = ::mkstemp(m_path.data());
        if (m_fd < 0) {
            io_fail("create a temporary file beside", beside.string());
        }
    }
    ~TempFile() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        if (!m_path.empty()) {
            ::unlink(m_path.c_str());
        }
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    int fd() const { return m_fd; }
    void commit(const fs::path& target, bool sync) {
        if (sync && ::fsync(m_fd) != 0) {
            io_fail("sync", m_path);
        }
        if (::close(m_fd) != 0) {
            m_fd = -1;
            io_fail("write", m_path);
        }
        m_fd = -1;
        if (::rename(m_path.c_str(), target.c_str()) != 0) {
            io_fail("rename into", target.string());
        }
        m_path.clear();
    }

  private:
    std::string m_path;
    int m_fd = -1;
};

} // namespace

EditResult edit_elf(const fs::path& given, const ElfEdits& edits, WriteMode mode, bool sync) {
    // Rewrite what a symlink points at (as patchelf does), not replace the link with a file.
    std::error_code ec;
    const fs::path path = fs::is_symlink(given, ec) ? fs::canonical(given, ec) : given;
    if (ec) {
        fail(ErrorKind::InvalidInput, "cannot resolve {}: {}", given.string(), ec.message());
    }
    FileSource src(path, mode == WriteMode::InPlace);
    ElfFile elf(src);
    EditPlan plan = plan_edits(elf, edits);
    if (!plan.result.changed) {
        return plan.result;
    }
    if (mode == WriteMode::InPlace) {
        write_plan(src.fd(), plan, src.name());
        if (sync && ::fsync(src.fd()) != 0) {
            io_fail("sync", src.name());
        }
        return plan.result;
    }
    struct stat st {};
    if (::fstat(src.fd(), &st) != 0) {
        io_fail("stat", src.name());
    }
    TempFile tmp(path);
    copy_file(src.fd(), tmp.fd(), src.size(), src.name());
    write_plan(tmp.fd(), plan, src.name());
    // Keep the owner when we may (as root); otherwise the file becomes ours, like any rewrite.
    [[maybe_unused]] int ignored = ::fchown(tmp.fd(), st.st_uid, st.st_gid);
    if (::fchmod(tmp.fd(), st.st_mode & 07777) != 0) {
        io_fail("set permissions on a copy of", src.name());
    }
    tmp.commit(path, sync);
    return plan.result;
}

} // namespace cudapkgs::elf
