// SPDX-License-Identifier: Apache-2.0
// Opening a store: layout, schema, startup cleanup, locks, queries.
#include "database.hpp"
#include "fs_ops.hpp"

#include <cudapkgs/store/store.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/os_error.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>
#include <unordered_set>

namespace cudapkgs::store {

namespace fs = std::filesystem;
using detail::Statement;
using storepath::StorePath;

namespace {

constexpr int kSchemaVersion = 1;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE valid_paths (
    id                INTEGER PRIMARY KEY,
    path              TEXT NOT NULL UNIQUE,
    hash              TEXT NOT NULL,
    size              INTEGER NOT NULL,
    registration_time INTEGER NOT NULL,
    deriver           TEXT
);
CREATE TABLE refs (
    referrer  INTEGER NOT NULL REFERENCES valid_paths(id) ON DELETE CASCADE,
    reference INTEGER NOT NULL REFERENCES valid_paths(id) DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (referrer, reference)
);
CREATE INDEX refs_by_reference ON refs(reference);
)sql";

void make_dirs(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        util::fail_os(ec, "create the store directory", dir);
    }
}

} // namespace

// ---- BuildDir / PathLocks ----------------------------------------------------------------

BuildDir::BuildDir(fs::path path, FileLock lock)
    : m_path(std::move(path)), m_lock(std::move(lock)) {}
BuildDir::BuildDir(BuildDir&& other) noexcept
    : m_path(std::exchange(other.m_path, {})), m_lock(std::move(other.m_lock)) {}
BuildDir& BuildDir::operator=(BuildDir&& other) noexcept {
    if (this != &other) {
        BuildDir dying(std::move(*this));
        m_path = std::exchange(other.m_path, {});
        m_lock = std::move(other.m_lock);
    }
    return *this;
}
BuildDir::~BuildDir() {
    if (!m_path.empty()) {
        try {
            detail::remove_tree(m_path);
        } catch (const std::exception& e) {
            spdlog::warn("{}", e.what()); // the next Store open removes it
        }
    }
}

bool PathLocks::covers(const StorePath& path) const {
    return std::binary_search(m_paths.begin(), m_paths.end(), path);
}

// ---- Store ------------------------------------------------------------------------------

fs::path Store::default_root() {
    if (const char* env = std::getenv("CUDAPKGS_STORE"); env && *env) {
        return env;
    }
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
        return fs::path(xdg) / "cudapkgs" / "store";
    }
    if (const char* home = std::getenv("HOME"); home && *home) {
        return fs::path(home) / ".cache" / "cudapkgs" / "store";
    }
    fail(ErrorKind::Usage, "cannot find a store directory: set --store or CUDAPKGS_STORE");
}

Store::Store(fs::path root, StoreOptions options) : m_options(std::move(options)) {
    make_dirs(root);
    m_root = fs::weakly_canonical(fs::absolute(root));
    for (const char* sub : {"tmp", "locks", "gcroots"}) {
        make_dirs(meta_dir() / sub);
    }
    m_gc_lock = FileLock::acquire(meta_dir() / "gc.lock", FileLock::Mode::Shared);
    {
        // One process at a time creates the database, switches it to WAL and writes the
        // schema (processes starting together on a new store would otherwise race there).
        auto init = FileLock::acquire(meta_dir() / "db.lock", FileLock::Mode::Exclusive);
        m_db = std::make_unique<detail::Database>(meta_dir() / "db.sqlite");
        init_schema();
    }
    cleanup();
}

Store::~Store() = default;

void Store::init_schema() {
    auto read_version = [this] {
        Statement st(*m_db, "PRAGMA user_version");
        st.step();
        return static_cast<int>(st.column_int(0));
    };
    if (read_version() == kSchemaVersion) {
        return;
    }
    detail::Transaction tx(*m_db);
    int version = read_version(); // another process may have created it meanwhile
    if (version == 0) {
        m_db->exec(kSchema);
        m_db->exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion));
    } else if (version != kSchemaVersion) {
        fail(ErrorKind::InvalidInput,
             "the store database {} has schema version {}; this cudapkgs supports {}",
             m_db->path().string(), version, kSchemaVersion);
    }
    tx.commit();
}

fs::path Store::lock_file(const StorePath& path) const {
    return meta_dir() / "locks" / (std::string(path.hash_part()) + ".lock");
}

void Store::cleanup() {
    // Build directories: creators hold tmp.lock shared until their directory is locked, so
    // with it held exclusively every unlocked directory belongs to a dead process.
    {
        auto guard = FileLock::acquire(meta_dir() / "tmp.lock", FileLock::Mode::Exclusive);
        for (const auto& entry : fs::directory_iterator(meta_dir() / "tmp")) {
            auto lock = FileLock::try_lock_directory(entry.path());
            if (lock || !entry.is_directory()) {
                spdlog::debug("removing stale build directory {}", entry.path().string());
                detail::remove_tree(entry.path());
            }
        }
    }
    // Paths on disk but not registered are leftovers of an interrupted commit or gc.
    std::unordered_set<std::string> valid;
    {
        Statement st(*m_db, "SELECT path FROM valid_paths");
        while (st.step()) {
            valid.insert(st.column_text(0));
        }
    }
    for (const auto& entry : fs::directory_iterator(m_root)) {
        auto name = entry.path().filename().string();
        auto path = StorePath::find_parse(name);
        if (!path || valid.count(name) != 0) {
            continue;
        }
        auto lock = FileLock::try_acquire(lock_file(*path), FileLock::Mode::Exclusive);
        if (lock && !find_id(*path)) { // a committer holds the lock until it registered
            spdlog::debug("removing unregistered store path {}", entry.path().string());
            detail::remove_tree(entry.path());
        }
    }
}

PathLocks Store::lock_paths(std::vector<StorePath> paths) {
    std::sort(paths.begin(), paths.end());
    paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
    PathLocks locks;
    for (const auto& p : paths) { // sorted order: no deadlock between overlapping sets
        locks.m_locks.push_back(FileLock::acquire(lock_file(p), FileLock::Mode::Exclusive));
    }
    locks.m_paths = std::move(paths);
    return locks;
}

BuildDir Store::make_build_dir() {
    auto guard = FileLock::acquire(meta_dir() / "tmp.lock", FileLock::Mode::Shared);
    for (int attempt = 0; attempt < 100; ++attempt) {
        fs::path dir = meta_dir() / "tmp" / detail::random_name();
        if (::mkdir(dir.c_str(), 0755) != 0) {
            if (errno == EEXIST) {
                continue;
            }
            util::fail_os(errno, "create a build directory", dir);
        }
        auto lock = FileLock::try_lock_directory(dir);
        if (!lock) {
            fail(ErrorKind::Internal, "cannot lock the build directory {}", dir.string());
        }
        return BuildDir(dir, std::move(*lock));
    }
    fail(ErrorKind::Internal, "cannot find a free build directory name in {}",
         (meta_dir() / "tmp").string());
}

std::optional<std::int64_t> Store::find_id(const StorePath& path) {
    Statement st(*m_db, "SELECT id FROM valid_paths WHERE path = ?");
    st.bind(1, path.to_string());
    if (!st.step()) {
        return std::nullopt;
    }
    return st.column_int(0);
}

bool Store::is_valid(const StorePath& path) {
    if (!find_id(path)) {
        return false;
    }
    struct stat st {};
    auto abs = to_absolute(path);
    if (::lstat(abs.c_str(), &st) != 0 || S_ISLNK(st.st_mode)) {
        Error error(
            ErrorKind::Integrity,
            fmt::format("store path {} is registered but {}", abs.string(),
                        S_ISLNK(st.st_mode) ? "has been replaced by a symlink" : "is missing"));
        error.add_note("run 'cudapkgs store verify' to check the whole store");
        throw error;
    }
    return true;
}

std::vector<StorePath> Store::read_references(std::int64_t id) {
    Statement st(*m_db, "SELECT v.path FROM refs r JOIN valid_paths v ON v.id = r.reference "
                        "WHERE r.referrer = ? ORDER BY v.path");
    st.bind(1, id);
    std::vector<StorePath> out;
    while (st.step()) {
        out.push_back(StorePath::parse(st.column_text(0)));
    }
    return out;
}

std::optional<PathInfo> Store::find_path_info(const StorePath& path) {
    Statement st(*m_db, "SELECT id, hash, size, registration_time, deriver FROM valid_paths "
                        "WHERE path = ?");
    st.bind(1, path.to_string());
    if (!st.step()) {
        return std::nullopt;
    }
    PathInfo info{path,
                  st.column_text(1),
                  static_cast<std::uint64_t>(st.column_int(2)),
                  st.column_int(3),
                  st.column_optional_text(4),
                  {}};
    info.references = read_references(st.column_int(0));
    return info;
}

PathInfo Store::get_path_info(const StorePath& path) {
    if (auto info = find_path_info(path)) {
        return *info;
    }
    fail(ErrorKind::InvalidInput, "{} is not a valid store path", to_absolute(path).string());
}

std::vector<PathInfo> Store::list() {
    std::vector<std::string> names;
    {
        Statement st(*m_db, "SELECT path FROM valid_paths ORDER BY path");
        while (st.step()) {
            names.push_back(st.column_text(0));
        }
    }
    std::vector<PathInfo> out;
    for (const auto& name : names) {
        if (auto info = find_path_info(StorePath::parse(name))) {
            out.push_back(std::move(*info));
        }
    }
    return out;
}

StorePath Store::parse_path_argument(const std::string& argument) const {
    if (argument.find('/') == std::string::npos) {
        return StorePath::parse(argument);
    }
    fs::path p = fs::absolute(argument).lexically_normal();
    for (int hops = 0; hops < 2; ++hops) {
        auto rel = p.lexically_relative(m_root);
        if (!rel.empty() && *rel.begin() != ".." && *rel.begin() != ".") {
            return StorePath::parse(rel.begin()->string());
        }
        std::error_code ec;
        if (!fs::is_symlink(p, ec)) {
            break;
        }
        p = (p.parent_path() / fs::read_symlink(p, ec)).lexically_normal();
    }
    fail(ErrorKind::InvalidInput, "'{}' is not a path in the store {}", argument, m_root.string());
}

} // namespace cudapkgs::store
