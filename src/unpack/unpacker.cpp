// SPDX-License-Identifier: Apache-2.0
// libarchive-driven extraction: header checks, routing, streaming writes.
#include "entry_checks.hpp"
#include "output_file.hpp"
#include "xz_source.hpp"

#include <cudapkgs/unpack/unpacker.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/interrupt.hpp>
#include <cudapkgs/util/os_error.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_map>
#include <unordered_set>

namespace cudapkgs::unpack {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kReadBlock = std::size_t{1} << 20;

struct ArchiveDeleter {
    void operator()(archive* a) const noexcept { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

ArchivePtr new_reader() {
    ArchivePtr a(archive_read_new());
    if (!a) {
        throw std::bad_alloc();
    }
    archive_read_support_filter_all(a.get());
    archive_read_support_format_tar(a.get()); // ustar, pax, gnutar
    return a;
}

struct StreamClient {
    const ReadFn* read;
    std::exception_ptr error;
};

la_ssize_t stream_read(archive*, void* client_data, const void** buffer) {
    auto* client = static_cast<StreamClient*>(client_data);
    try {
        auto chunk = (*client->read)();
        *buffer = chunk.data();
        return static_cast<la_ssize_t>(chunk.size());
    } catch (...) {
        // Exceptions must not cross libarchive's C frames; rethrown once it returns.
        client->error = std::current_exception();
        return -1;
    }
}

class Extractor {
  public:
    Extractor(archive* a, std::string_view name, const Router& router, const Options& options)
        : m_archive(a), m_name(name), m_router(router), m_options(options) {}

    Result run(const std::exception_ptr* stream_error);
    static fs::path normal_root(const fs::path& root) {
        fs::path p = fs::absolute(root).lexically_normal();
        return p.filename().empty() ? p.parent_path() : p;
    }

  private:
    [[noreturn]] void unsafe(const std::string& entry, const std::string& why) const {
        Error e(ErrorKind::Integrity,
                fmt::format("unsafe archive {}: entry '{}': {}", m_name, entry, why));
        throw e;
    }
    [[noreturn]] void corrupt(const std::string& where) const {
        fail(ErrorKind::Integrity, "corrupt archive {}{}: {}", m_name, where,
             archive_error_string(m_archive) ? archive_error_string(m_archive) : "read error");
    }
    std::optional<Entry> read_entry(archive_entry* e);
    fs::path strip(const std::string& raw, const fs::path& path, bool is_dir);
    const fs::path& root_of(const Entry& entry, const fs::path& dest) const;
    void ensure_parents(const Entry& entry, const fs::path& dest, const fs::path& root);
    void extract(const Entry& entry, const fs::path& dest);
    void write_file(const Entry& entry, const fs::path& dest);
    void write_link(const Entry& entry, const fs::path& dest, const fs::path& root);
    void write_hardlink(const Entry& entry, const fs::path& dest);
    void written(const Entry& entry, const fs::path& dest, std::uint64_t size,
                 std::optional<util::FileDigest> digest = std::nullopt);

    archive* m_archive;
    std::string m_name;
    const Router& m_router;
    const Options& m_options;
    Result m_result;
    std::vector<fs::path> m_roots; ///< Options::roots, absolute and normalised
    std::uint64_t m_declared = 0;
    std::unordered_set<std::string> m_dirs;            ///< real directories we made
    std::unordered_map<std::string, fs::path> m_files; ///< stripped path -> destination
    detail::OutputFile m_out;
};

fs::path Extractor::strip(const std::string& raw, const fs::path& path, bool is_dir) {
    if (!m_options.strip_top_directory) {
        return path;
    }
    std::string top = path.begin()->string();
    if (m_result.top_directory.empty()) {
        m_result.top_directory = top;
    } else if (top != m_result.top_directory) {
        unsafe(raw, fmt::format("more than one top-level directory ('{}' and '{}')",
                                m_result.top_directory, top));
    }
    fs::path rest;
    for (auto it = std::next(path.begin()); it != path.end(); ++it) {
        rest /= *it;
    }
    if (rest.empty() && !is_dir) {
        unsafe(raw, "a file where the archive's top-level directory should be");
    }
    return rest;
}

std::optional<Entry> Extractor::read_entry(archive_entry* e) {
    Entry entry;
    const char* raw = archive_entry_pathname(e);
    entry.archive_path = raw ? raw : "";
    auto name = detail::normalise_entry_name(entry.archive_path);
    if (!name.problem.empty()) {
        unsafe(entry.archive_path, name.problem);
    }
    const char* hardlink = archive_entry_hardlink(e);
    const auto type = archive_entry_filetype(e);
    if (hardlink != nullptr) {
        entry.type = EntryType::Hardlink;
    } else if (type == AE_IFREG) {
        entry.type = EntryType::File;
    } else if (type == AE_IFDIR) {
        entry.type = EntryType::Directory;
    } else if (type == AE_IFLNK) {
        entry.type = EntryType::Symlink;
    } else {
        unsafe(entry.archive_path, "device, fifo or socket entries are not allowed");
    }
    entry.path = strip(entry.archive_path, name.path, entry.type == EntryType::Directory);
    if (entry.path.empty()) {
        return std::nullopt; // the top directory itself
    }
    entry.mode = static_cast<std::uint32_t>(archive_entry_perm(e)) & 0777;
    entry.size = archive_entry_size_is_set(e) && archive_entry_size(e) > 0
                     ? static_cast<std::uint64_t>(archive_entry_size(e))
                     : 0;
    if (entry.type == EntryType::Symlink) {
        const char* target = archive_entry_symlink(e);
        entry.link_target = target ? target : "";
        if (auto why = detail::symlink_escape_problem(entry.path, entry.link_target);
            !why.empty()) {
            unsafe(entry.archive_path, fmt::format("{} ('{}')", why, entry.link_target));
        }
    } else if (entry.type == EntryType::Hardlink) {
        auto target = detail::normalise_entry_name(hardlink);
        if (!target.problem.empty()) {
            unsafe(entry.archive_path, "hard link target: " + target.problem);
        }
        entry.link_target = strip(entry.archive_path, target.path, false).string();
    }
    if (entry.type == EntryType::File) {
        m_declared += entry.size;
        if (m_declared > m_options.max_unpacked_bytes) {
            unsafe(entry.archive_path, fmt::format("the archive unpacks to more than {} bytes",
                                                   m_options.max_unpacked_bytes));
        }
    }
    return entry;
}

const fs::path& Extractor::root_of(const Entry& entry, const fs::path& dest) const {
    const fs::path* best = nullptr;
    if (dest.is_absolute() && dest == dest.lexically_normal()) {
        for (const auto& root : m_roots) {
            if (detail::is_within(dest, root) && dest != root &&
                (!best || root.native().size() > best->native().size())) {
                best = &root;
            }
        }
    }
    if (best == nullptr) {
        fail(ErrorKind::Internal, "{}: entry '{}' routed to {}, outside the output roots", m_name,
             entry.archive_path, dest.string());
    }
    return *best;
}

void Extractor::ensure_parents(const Entry& entry, const fs::path& dest, const fs::path& root) {
    fs::path dir = root;
    fs::path rel = dest.parent_path().lexically_relative(root);
    for (const auto& part : rel) {
        if (part == ".") {
            continue;
        }
        dir /= part;
        if (m_dirs.count(dir.native()) != 0) {
            continue;
        }
        if (::mkdir(dir.c_str(), 0755) != 0) {
            struct stat st {};
            if (errno != EEXIST || ::lstat(dir.c_str(), &st) != 0) {
                util::fail_os(errno, "create", dir);
            }
            if (!S_ISDIR(st.st_mode)) { // never write through a symlink the archive made
                unsafe(entry.archive_path,
                       fmt::format("its directory {} is not a real directory", dir.string()));
            }
        }
        m_dirs.insert(dir.native());
    }
}

void Extractor::written(const Entry& entry, const fs::path& dest, std::uint64_t size,
                        std::optional<util::FileDigest> digest) {
    WrittenEntry w{dest, entry.type, entry.mode, size, entry.path, std::move(digest)};
    if ((entry.type == EntryType::File || entry.type == EntryType::Hardlink) &&
        m_options.on_written) {
        m_options.on_written(w);
    }
    m_result.written.push_back(std::move(w));
}

void Extractor::write_file(const Entry& entry, const fs::path& dest) {
    m_out.create(
        dest, entry.mode | S_IRUSR | S_IWUSR,
        [&](const std::string& why) { unsafe(entry.archive_path, why); }, m_options.hash_files,
        m_options.start_writeback);
    const void* block = nullptr;
    std::size_t size = 0;
    la_int64_t offset = 0;
    int rc = ARCHIVE_OK;
    while ((rc = archive_read_data_block(m_archive, &block, &size, &offset)) == ARCHIVE_OK) {
        util::check_interrupt(); // a safe point: the build directory is removed on the way up
        m_result.bytes += size;
        if (m_result.bytes > m_options.max_unpacked_bytes) {
            unsafe(entry.archive_path, fmt::format("the archive unpacks to more than {} bytes",
                                                   m_options.max_unpacked_bytes));
        }
        m_out.write_at(static_cast<std::uint64_t>(offset), static_cast<const char*>(block), size);
    }
    if (rc != ARCHIVE_EOF) {
        corrupt(fmt::format(" (entry '{}')", entry.archive_path));
    }
    std::uint64_t total = m_out.finish(entry.size);
    m_files[entry.path.native()] = dest;
    written(entry, dest, total, m_out.digest());
}

void Extractor::write_link(const Entry& entry, const fs::path& dest, const fs::path& root) {
    if (auto why = detail::symlink_escape_problem(dest.lexically_relative(root), entry.link_target);
        !why.empty()) {
        unsafe(entry.archive_path,
               fmt::format("{} of {} ('{}')", why, root.string(), entry.link_target));
    }
    detail::replace_with(dest, [&](const std::string& why) { unsafe(entry.archive_path, why); });
    if (::symlink(entry.link_target.c_str(), dest.c_str()) != 0) {
        util::fail_os(errno, "create the symlink", dest);
    }
    written(entry, dest, 0);
}

void Extractor::write_hardlink(const Entry& entry, const fs::path& dest) {
    auto it = m_files.find(entry.link_target);
    if (it == m_files.end()) {
        unsafe(entry.archive_path,
               fmt::format("hard link to '{}', which is not a file extracted before it",
                           entry.link_target));
    }
    detail::replace_with(dest, [&](const std::string& why) { unsafe(entry.archive_path, why); });
    if (::link(it->second.c_str(), dest.c_str()) != 0) {
        util::fail_os(errno, fmt::format("link {} to", it->second.string()), dest);
    }
    m_files[entry.path.native()] = dest;
    struct stat st {};
    ::lstat(dest.c_str(), &st);
    written(entry, dest, static_cast<std::uint64_t>(st.st_size));
}

void Extractor::extract(const Entry& entry, const fs::path& dest) {
    const fs::path& root = root_of(entry, dest);
    ensure_parents(entry, dest, root);
    switch (entry.type) {
    case EntryType::Directory: {
        if (::mkdir(dest.c_str(), (entry.mode | S_IRWXU) & 0777) != 0) {
            struct stat st {};
            if (errno != EEXIST || ::lstat(dest.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
                unsafe(entry.archive_path, dest.string() + " exists and is not a directory");
            }
        }
        ::chmod(dest.c_str(), (entry.mode | S_IRWXU) & 0777);
        m_dirs.insert(dest.native());
        written(entry, dest, 0);
        break;
    }
    case EntryType::File:
        write_file(entry, dest);
        break;
    case EntryType::Symlink:
        write_link(entry, dest, root);
        break;
    case EntryType::Hardlink:
        write_hardlink(entry, dest);
        break;
    }
}

Result Extractor::run(const std::exception_ptr* stream_error) {
    for (const auto& root : m_options.roots) {
        m_roots.push_back(normal_root(root));
        std::error_code ec;
        fs::create_directories(m_roots.back(), ec);
        m_dirs.insert(m_roots.back().native());
    }
    archive_entry* header = nullptr;
    for (;;) {
        util::check_interrupt();
        int rc = archive_read_next_header(m_archive, &header);
        if (rc == ARCHIVE_EOF) {
            break;
        }
        if (stream_error && *stream_error) {
            std::rethrow_exception(*stream_error);
        }
        if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
            corrupt(m_result.entries == 0
                        ? ""
                        : " after " + std::to_string(m_result.entries) + " entries");
        }
        if (++m_result.entries > m_options.max_entries) {
            unsafe(archive_entry_pathname(header) ? archive_entry_pathname(header) : "",
                   fmt::format("more than {} entries", m_options.max_entries));
        }
        auto entry = read_entry(header);
        if (!entry) {
            continue;
        }
        if (auto dest = m_router(*entry)) {
            extract(*entry, *dest);
        }
    }
    if (stream_error && *stream_error) {
        std::rethrow_exception(*stream_error);
    }
    return std::move(m_result);
}

} // namespace

namespace {

Result unpack_source(std::string_view name, const ReadFn& read, const Router& router,
                     const Options& options) {
    ReadFn source = read;
    if (options.threaded_xz) {
        auto [head, replay] = detail::peek(read, 6);
        source = std::move(replay);
        if (detail::is_xz(std::as_bytes(std::span(head)))) {
            source =
                detail::make_xz_decoder(std::string(name), std::move(source), options.xz_threads);
        }
    }
    auto a = new_reader();
    StreamClient client{&source, nullptr};
    if (archive_read_open(a.get(), &client, nullptr, &stream_read, nullptr) != ARCHIVE_OK) {
        if (client.error) {
            std::rethrow_exception(client.error);
        }
        fail(ErrorKind::Integrity, "cannot read archive {}: {}", name,
             archive_error_string(a.get()) ? archive_error_string(a.get()) : "unknown error");
    }
    try {
        return Extractor(a.get(), name, router, options).run(&client.error);
    } catch (const Error&) {
        if (client.error) { // the read callback's own error explains the failure better
            std::rethrow_exception(client.error);
        }
        throw;
    }
}

} // namespace

Result unpack_file(const fs::path& archive_path, const Router& router, const Options& options) {
    int fd = ::open(archive_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        // A verified archive that vanished was removed behind our back, not lost by a bug.
        fail(options.archive_stamp ? ErrorKind::Integrity : ErrorKind::Internal,
             "cannot open archive {}: {}{}", archive_path.string(), std::strerror(errno),
             options.archive_stamp ? " (it was there when its hash was verified; run the "
                                     "command again)"
                                   : "");
    }
    std::unique_ptr<int, void (*)(int*)> closer(&fd, [](int* f) { ::close(*f); });
    auto check_unchanged = [&] {
        if (options.archive_stamp && util::stamp_of_fd(fd) != options.archive_stamp) {
            fail(ErrorKind::Integrity,
                 "archive {} is not the file whose hash was verified: it changed or was replaced "
                 "since; run the command again",
                 archive_path.string());
        }
    };
    check_unchanged();
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    std::vector<std::byte> buffer(kReadBlock);
    std::uint64_t consumed = 0;
    ReadFn read = [&]() -> std::span<const std::byte> {
        for (;;) {
            ssize_t n = ::read(fd, buffer.data(), buffer.size());
            if (n >= 0) {
                consumed += static_cast<std::uint64_t>(n);
                if (options.on_read) {
                    options.on_read(consumed);
                }
                return {buffer.data(), static_cast<std::size_t>(n)};
            }
            if (errno != EINTR) {
                util::fail_os(errno, "read the archive", archive_path);
            }
        }
    };
    Result result = unpack_source(archive_path.string(), read, router, options);
    check_unchanged();
    return result;
}

Result unpack_stream(std::string_view name, const ReadFn& read, const Router& router,
                     const Options& options) {
    return unpack_source(name, read, router, options);
}

Router route_into(const fs::path& root) {
    fs::path base = fs::absolute(root).lexically_normal();
    return [base](const Entry& e) -> std::optional<fs::path> { return base / e.path; };
}

} // namespace cudapkgs::unpack
