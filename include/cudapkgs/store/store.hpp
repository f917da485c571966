// SPDX-License-Identifier: Apache-2.0
// The content-addressed store: layout, registration, locks, verify and gc (docs/store.md).
#pragma once

#include <cudapkgs/store/file_lock.hpp>
#include <cudapkgs/store/tree_hash.hpp>
#include <cudapkgs/storepath/store_path.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cudapkgs::store {

namespace detail {
class Database;
}

/// What the database knows about a valid path.
struct PathInfo {
    storepath::StorePath path;
    std::string hash;                   ///< "sha256:<hex>" content hash (tree_hash.hpp)
    std::uint64_t size = 0;             ///< bytes of file contents
    std::int64_t registration_time = 0; ///< seconds since the epoch
    std::optional<std::string> deriver; ///< derivation hash, when the builder gave one
    std::vector<storepath::StorePath> references; ///< sorted
};

/// Points of commit() a test can stop at (crash injection).
enum class CommitStage { Sealed, Renamed, Registered };

struct StoreOptions {
    /// Called at each stage of every commit (tests use it to _exit or SIGKILL mid-commit).
    std::function<void(CommitStage, const storepath::StorePath&)> commit_hook;
};

/// A temporary build directory inside the store (`.cudapkgs/tmp/<random>`), locked while
/// the object lives and removed when it dies uncommitted.
class BuildDir {
  public:
    BuildDir(BuildDir&&) noexcept;
    BuildDir& operator=(BuildDir&&) noexcept;
    ~BuildDir();
    const std::filesystem::path& path() const noexcept { return m_path; }

  private:
    friend class Store;
    BuildDir(std::filesystem::path path, FileLock lock);
    std::filesystem::path m_path;
    FileLock m_lock; ///< flock on the directory itself
};

/// Exclusive per-path locks (`.cudapkgs/locks/<hash>.lock`), taken in sorted order.
class PathLocks {
  public:
    /// True when this object holds the lock of `path`.
    bool covers(const storepath::StorePath& path) const;

  private:
    friend class Store;
    std::vector<storepath::StorePath> m_paths;
    std::vector<FileLock> m_locks;
};

/// One output handed to commit().
struct CommitOutput {
    BuildDir dir;
    storepath::StorePath path;
    /// Valid paths, or other outputs of the same commit.
    std::vector<storepath::StorePath> references;
    std::optional<std::string> deriver;
    /// When set, the content hash the sealed tree must have: a mismatch is Error{Integrity}
    /// naming the path, before anything is renamed or registered (binary cache substitution
    /// checks the signed hash this way without hashing the tree twice).
    std::optional<std::string> expected_hash = {};
    /// Digests of files in `dir` taken while they were written (see seal_and_hash_tree()).
    KnownDigests known_digests = {};
};

struct VerifyProblem {
    enum class Kind { Missing, Symlink, Modified, Unreadable };
    storepath::StorePath path;
    Kind kind;
    std::string message;
};

struct VerifyReport {
    std::size_t checked = 0;
    std::vector<VerifyProblem> problems;
    std::vector<std::string> database_problems; ///< from PRAGMA integrity_check
    bool ok() const noexcept { return problems.empty() && database_problems.empty(); }
};

struct GcOptions {
    std::vector<storepath::StorePath> keep; ///< extra roots
    std::optional<std::uint64_t> max_size; ///< stop deleting once the store is this small
    bool dry_run = false;
};

struct GcResult {
    std::vector<storepath::StorePath> deleted; ///< in deletion order
    std::uint64_t bytes_freed = 0;
    std::size_t live = 0;                             ///< paths reachable from roots
    std::uint64_t size_after = 0;                     ///< total size of valid paths afterwards
    std::vector<std::filesystem::path> dropped_roots; ///< dangling out-link registrations
    /// Downloaded archives (and partial downloads) in `.cudapkgs/downloads`, deleted: they
    /// are only a cache of what the mirrors serve.
    std::size_t downloads_deleted = 0;
    std::uint64_t download_bytes_freed = 0;
};

/// A store rooted at a directory. Holds the GC lock shared for its lifetime; do not fork
/// with a Store open and use it in both processes.
class Store {
  public:
    /// Opens (creating when needed) the store at `root`; removes stale temporary directories
    /// and unregistered paths. Throws Error{Internal} on I/O or database failures.
    explicit Store(std::filesystem::path root, StoreOptions options = {});
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    /// `$CUDAPKGS_STORE`, else `$XDG_CACHE_HOME/cudapkgs/store`, else `~/.cache/…`.
    static std::filesystem::path default_root();

    const std::filesystem::path& root() const noexcept { return m_root; }
    /// The absolute path of a store path (storepath::absolute_in with this store's root).
    std::filesystem::path to_absolute(const storepath::StorePath& path) const {
        return storepath::absolute_in(m_root, path);
    }
    /// Accepts a base name, an absolute path inside the store (or below a store path) or a
    /// symlink to one (an out-link); throws Error{InvalidInput} otherwise.
    storepath::StorePath parse_path_argument(const std::string& argument) const;

    /// Waits for, then holds, the exclusive locks of `paths`.
    PathLocks lock_paths(std::vector<storepath::StorePath> paths);
    /// A new locked build directory inside the store.
    BuildDir make_build_dir();

    /// True when registered; throws Error{Integrity} when registered but the path on disk
    /// is missing or has been replaced by a symlink.
    bool is_valid(const storepath::StorePath& path);
    /// Info on a valid path, or nullopt.
    std::optional<PathInfo> find_path_info(const storepath::StorePath& path);
    /// Info on a valid path; throws Error{InvalidInput} when it is not valid.
    PathInfo get_path_info(const storepath::StorePath& path);
    /// Every valid path, sorted by name.
    std::vector<PathInfo> list();

    /// Seals, renames into place and registers one output (see commit_outputs()).
    PathInfo commit(const PathLocks& locks, CommitOutput output);
    /// Commits the outputs of one derivation: all become valid in one transaction, or none
    /// does. Each path must be locked by `locks` and not yet valid; throws Error{Internal}
    /// on misuse and Error{Integrity} for trees the store cannot hold.
    std::vector<PathInfo> commit_outputs(const PathLocks& locks, std::vector<CommitOutput> outputs);

    /// Makes `out_link` a symlink to `path` (atomically replacing an old link) and registers
    /// it as a GC root. Throws Error{InvalidInput} when `path` is not valid or `out_link` is
    /// not a symlink or absent.
    void add_root(const std::filesystem::path& out_link, const storepath::StorePath& path);
    /// Store paths reachable from registered out-links (dangling registrations ignored).
    std::vector<storepath::StorePath> find_roots();

    /// Recomputes every content hash and checks the database.
    VerifyReport verify();
    /// Deletes valid paths not reachable from the roots (out-links + keep), oldest first
    /// when max_size is set. Waits for the exclusive GC lock (no builder running).
    GcResult gc(const GcOptions& options);

  private:
    std::filesystem::path meta_dir() const { return m_root / ".cudapkgs"; }
    std::filesystem::path lock_file(const storepath::StorePath& path) const;
    void init_schema();
    void cleanup();
    std::vector<storepath::StorePath> read_references(std::int64_t id);
    std::optional<std::int64_t> find_id(const storepath::StorePath& path);
    void register_paths(const std::vector<PathInfo>& infos);
    std::vector<std::pair<std::filesystem::path, std::optional<storepath::StorePath>>>
    read_gc_roots();
    void delete_paths(const std::vector<storepath::StorePath>& paths);

    std::filesystem::path m_root;
    StoreOptions m_options;
    FileLock m_gc_lock;
    std::unique_ptr<detail::Database> m_db;
};

} // namespace cudapkgs::store
