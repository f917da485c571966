// SPDX-License-Identifier: Apache-2.0
// Canonical serialisation (all fields NUL-terminated, names never contain NUL):
//   "cudapkgs-tree-v1" then, depth first, children of a directory in byte order of name:
//   directory: "d" path            regular file: "f" path ("x"|"-") size sha256hex
//   symlink:   "l" path target     the root's path is ".", others are "a/b/c".
#include <cudapkgs/store/tree_hash.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/hash.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <optional>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace cudapkgs::store {

namespace {

class Fd {
  public:
    explicit Fd(int fd) : m_fd(fd) {}
    ~Fd() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const noexcept { return m_fd; }

  private:
    int m_fd;
};

[[noreturn]] void fail_errno(const std::string& what, const std::string& path) {
    fail(ErrorKind::Integrity, "cannot {} {}: {}", what, path, std::strerror(errno));
}

class Walker {
  public:
    Walker(std::filesystem::path root, bool seal, const KnownDigests* known = nullptr)
        : m_root(std::move(root)), m_seal(seal), m_known(known) {
        m_buffer.resize(std::size_t{1} << 20);
        record("cudapkgs-tree-v1");
    }

    TreeHash run();

  private:
    void record(std::string_view field) {
        m_hash.update(field);
        m_hash.update(std::string_view("\0", 1));
    }
    std::string display(const std::string& rel) const {
        return rel == "." ? m_root.string() : (m_root / rel).string();
    }
    void file(int fd, const struct stat& st, const std::string& rel);
    const util::FileDigest* known_digest(int fd, const std::string& rel) const;
    void record_file(const std::string& rel, bool exec, std::uint64_t size,
                     const std::string& sha256);
    void directory(int fd, const std::string& rel);
    void child(int dirfd, const std::string& name, const std::string& rel);
    void seal(int fd, mode_t mode, const std::string& rel) {
        if (m_seal && (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0)) {
            fail_errno("seal", display(rel));
        }
    }

    std::filesystem::path m_root;
    bool m_seal;
    const KnownDigests* m_known;
    util::Sha256 m_hash;
    TreeHash m_result;
    std::vector<char> m_buffer;
};

const util::FileDigest* Walker::known_digest(int fd, const std::string& rel) const {
    if (m_known == nullptr) {
        return nullptr;
    }
    auto it = m_known->find(rel);
    if (it == m_known->end()) {
        return nullptr;
    }
    auto stamp = util::stamp_of_fd(fd);
    return stamp && *stamp == it->second.stamp ? &it->second : nullptr;
}

void Walker::record_file(const std::string& rel, bool exec, std::uint64_t size,
                         const std::string& sha256) {
    record("f");
    record(rel);
    record(exec ? "x" : "-");
    record(std::to_string(size));
    record(sha256);
    m_result.size += size;
    ++m_result.entries;
}

void Walker::file(int fd, const struct stat& st, const std::string& rel) {
    const bool exec = (st.st_mode & S_IXUSR) != 0;
    if (const auto* known = known_digest(fd, rel)) {
        record_file(rel, exec, known->stamp.size, known->sha256);
        ++m_result.reused;
        seal(fd, exec ? 0555 : 0444, rel);
        return;
    }
    util::Sha256 content;
    std::uint64_t total = 0;
    for (;;) {
        ssize_t n = ::read(fd, m_buffer.data(), m_buffer.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            fail_errno("read", display(rel));
        }
        if (n == 0) {
            break;
        }
        content.update(std::string_view(m_buffer.data(), static_cast<std::size_t>(n)));
        total += static_cast<std::uint64_t>(n);
    }
    record_file(rel, exec, total, content.finish_hex());
    seal(fd, exec ? 0555 : 0444, rel);
}

void Walker::child(int dirfd, const std::string& name, const std::string& rel) {
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        fail_errno("stat", display(rel));
    }
    if (S_ISLNK(st.st_mode)) {
        std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
        ssize_t n = ::readlinkat(dirfd, name.c_str(), target.data(), target.size());
        if (n < 0) {
            fail_errno("read the symlink", display(rel));
        }
        target.resize(static_cast<std::size_t>(n));
        record("l");
        record(rel);
        record(target);
        ++m_result.entries;
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        Fd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (fd.get() < 0) {
            fail_errno("open", display(rel));
        }
        directory(fd.get(), rel);
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        fail(ErrorKind::Integrity, "{} is not a regular file, directory or symlink", display(rel));
    }
    Fd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) {
        fail_errno("open", display(rel));
    }
    file(fd.get(), st, rel);
}

void Walker::directory(int fd, const std::string& rel) {
    std::vector<std::string> names;
    {
        int dup_fd = ::dup(fd);
        DIR* dir = dup_fd < 0 ? nullptr : ::fdopendir(dup_fd);
        if (dir == nullptr) {
            if (dup_fd >= 0) {
                ::close(dup_fd);
            }
            fail_errno("list", display(rel));
        }
        while (const struct dirent* e = ::readdir(dir)) {
            std::string_view n = e->d_name;
            if (n != "." && n != "..") {
                names.emplace_back(n);
            }
        }
        ::closedir(dir);
    }
    std::sort(names.begin(), names.end());
    record("d");
    record(rel);
    ++m_result.entries;
    for (const auto& name : names) {
        child(fd, name, rel == "." ? name : rel + "/" + name);
    }
    seal(fd, 0555, rel);
}

TreeHash Walker::run() {
    struct stat st {};
    if (::lstat(m_root.c_str(), &st) != 0) {
        fail_errno("stat", m_root.string());
    }
    if (S_ISLNK(st.st_mode)) {
        fail(ErrorKind::Integrity, "{} is a symlink, not a store path", m_root.string());
    }
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
        fail(ErrorKind::Integrity, "{} is not a regular file or directory", m_root.string());
    }
    Fd fd(::open(m_root.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) {
        fail_errno("open", m_root.string());
    }
    if (S_ISDIR(st.st_mode)) {
        directory(fd.get(), ".");
    } else {
        file(fd.get(), st, ".");
    }
    m_result.hash = "sha256:" + m_hash.finish_hex();
    return m_result;
}

/// SHA-256 of one file and its stamp, or nothing when it cannot be read or changed meanwhile
/// (the walker then reads it itself and reports the problem).
std::optional<util::FileDigest> digest_file(const std::filesystem::path& path,
                                            std::vector<char>& buffer) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) {
        return std::nullopt;
    }
    auto before = util::stamp_of_fd(fd.get());
    util::Sha256 content;
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return std::nullopt;
        }
        if (n == 0) {
            break;
        }
        content.update(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    }
    auto after = util::stamp_of_fd(fd.get());
    if (!before || before != after) {
        return std::nullopt;
    }
    return util::FileDigest{content.finish_hex(), *before};
}

/// `known` plus digests of the tree's other regular files, hashed on several threads (largest
/// first) when there is enough to share; the walker then only checks stamps and serialises.
KnownDigests with_parallel_digests(const std::filesystem::path& root, const KnownDigests* known) {
    namespace fs = std::filesystem;
    KnownDigests out = known != nullptr ? *known : KnownDigests{};
    const unsigned threads = std::min(4u, std::thread::hardware_concurrency());
    std::error_code ec;
    if (threads < 2 || !fs::is_directory(fs::symlink_status(root, ec))) {
        return out;
    }
    struct Job {
        std::string rel;
        fs::path path;
        std::uintmax_t size;
    };
    std::vector<Job> jobs;
    std::uintmax_t total = 0;
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec) || it->is_symlink(ec)) {
            continue;
        }
        std::string rel = it->path().lexically_relative(root).generic_string();
        if (out.count(rel) != 0) {
            continue; // the walker checks its stamp (and reads the file itself if it moved)
        }
        const auto size = it->file_size(ec);
        total += size;
        jobs.push_back({std::move(rel), it->path(), size});
    }
    constexpr std::uintmax_t kWorthSharing = std::uintmax_t{16} << 20;
    if (jobs.size() < 2 || total < kWorthSharing) {
        return out;
    }
    std::sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) { return a.size > b.size; });
    std::vector<std::optional<util::FileDigest>> results(jobs.size());
    std::atomic<std::size_t> next{0};
    auto work = [&] {
        std::vector<char> buffer(std::size_t{1} << 20);
        for (std::size_t i = next++; i < jobs.size(); i = next++) {
            results[i] = digest_file(jobs[i].path, buffer);
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < std::min<std::size_t>(threads, jobs.size()); ++t) {
        pool.emplace_back(work);
    }
    work();
    for (auto& t : pool) {
        t.join();
    }
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (results[i]) {
            out[jobs[i].rel] = std::move(*results[i]);
        }
    }
    return out;
}

} // namespace

TreeHash hash_tree(const std::filesystem::path& root) {
    const KnownDigests digests = with_parallel_digests(root, nullptr);
    return Walker(root, false, &digests).run();
}

TreeHash seal_and_hash_tree(const std::filesystem::path& root, const KnownDigests* known) {
    const KnownDigests digests = with_parallel_digests(root, known);
    return Walker(root, true, &digests).run();
}

} // namespace cudapkgs::store
