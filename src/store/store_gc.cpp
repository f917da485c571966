// SPDX-License-Identifier: Apache-2.0
// GC roots (registered out-links) and garbage collection.
#include "database.hpp"
#include "fs_ops.hpp"

#include <cudapkgs/store/store.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/hash.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <unistd.h>

namespace cudapkgs::store {

namespace fs = std::filesystem;
using detail::Statement;
using storepath::StorePath;

namespace {

/// Creates `link` → `target` atomically (a temporary link renamed over the old one).
void replace_symlink(const fs::path& link, const fs::path& target) {
    fs::path tmp =
        link.parent_path() / ("." + link.filename().string() + ".tmp-" + detail::random_name(8));
    if (::symlink(target.c_str(), tmp.c_str()) != 0) {
        fail(ErrorKind::InvalidInput, "cannot create the symlink {}: {}", link.string(),
             std::strerror(errno));
    }
    if (::rename(tmp.c_str(), link.c_str()) != 0) {
        int saved = errno;
        ::unlink(tmp.c_str());
        fail(ErrorKind::InvalidInput, "cannot create the symlink {}: {}", link.string(),
             std::strerror(saved));
    }
}

struct Graph {
    std::map<StorePath, std::pair<std::uint64_t, std::int64_t>> paths; ///< size, reg. time
    std::map<StorePath, std::vector<StorePath>> references;
    std::map<StorePath, std::vector<StorePath>> referrers;
};

Graph make_graph(std::vector<PathInfo> infos, std::uint64_t& total) {
    Graph g;
    for (auto& info : infos) {
        total += info.size;
        for (const auto& r : info.references) {
            g.referrers[r].push_back(info.path);
        }
        g.paths[info.path] = {info.size, info.registration_time};
        g.references[info.path] = std::move(info.references);
    }
    return g;
}

std::set<StorePath> closure(const std::map<StorePath, std::vector<StorePath>>& edges,
                            std::vector<StorePath> todo) {
    std::set<StorePath> seen;
    while (!todo.empty()) {
        StorePath p = std::move(todo.back());
        todo.pop_back();
        if (!seen.insert(p).second) {
            continue;
        }
        if (auto it = edges.find(p); it != edges.end()) {
            todo.insert(todo.end(), it->second.begin(), it->second.end());
        }
    }
    return seen;
}

/// Dead paths to delete: all of them, or oldest first (with their dead referrers, so no valid
/// path ever loses a reference) until the store is no larger than max_size.
std::vector<StorePath> choose_victims(const Graph& g, const std::set<StorePath>& live,
                                      std::optional<std::uint64_t> max_size, std::uint64_t& total) {
    std::vector<StorePath> dead;
    for (const auto& [p, meta] : g.paths) {
        if (live.count(p) == 0) {
            dead.push_back(p);
        }
    }
    std::sort(dead.begin(), dead.end(), [&](const StorePath& a, const StorePath& b) {
        auto ta = g.paths.at(a).second;
        auto tb = g.paths.at(b).second;
        return ta != tb ? ta < tb : a < b;
    });
    std::vector<StorePath> victims;
    std::set<StorePath> chosen;
    for (const auto& candidate : dead) {
        if (max_size && total <= *max_size) {
            break;
        }
        for (const auto& p : closure(g.referrers, {candidate})) {
            if (chosen.insert(p).second) {
                victims.push_back(p);
                total -= g.paths.at(p).first;
            }
        }
    }
    return victims;
}

} // namespace

void Store::add_root(const fs::path& out_link, const StorePath& path) {
    if (!is_valid(path)) {
        fail(ErrorKind::InvalidInput, "cannot link {}: not a valid store path",
             to_absolute(path).string());
    }
    fs::path link = fs::absolute(out_link).lexically_normal();
    std::error_code ec;
    auto status = fs::symlink_status(link, ec);
    if (fs::exists(status) && !fs::is_symlink(status)) {
        fail(ErrorKind::InvalidInput, "{} exists and is not a symlink; not replacing it",
             link.string());
    }
    fs::path registration = meta_dir() / "gcroots" / util::sha256_hex(link.string()).substr(0, 32);
    replace_symlink(registration, link);
    replace_symlink(link, to_absolute(path));
}

std::vector<std::pair<fs::path, std::optional<StorePath>>> Store::read_gc_roots() {
    std::vector<std::pair<fs::path, std::optional<StorePath>>> out;
    for (const auto& entry : fs::directory_iterator(meta_dir() / "gcroots")) {
        std::optional<StorePath> target;
        std::error_code ec;
        fs::path link = fs::read_symlink(entry.path(), ec);
        if (!ec && fs::is_symlink(fs::symlink_status(link, ec))) {
            try {
                auto p = parse_path_argument(link.string());
                if (find_id(p)) {
                    target = p;
                }
            } catch (const Error&) {
                // the out-link now points outside the store: no longer a root
            }
        }
        out.emplace_back(entry.path(), target);
    }
    return out;
}

std::vector<StorePath> Store::find_roots() {
    std::vector<StorePath> out;
    for (auto& [reg, target] : read_gc_roots()) {
        if (target) {
            out.push_back(*target);
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

void Store::delete_paths(const std::vector<StorePath>& paths) {
    {
        // Invalidate first: a crash after this leaves unregistered trees, removed on open.
        detail::Transaction tx(*m_db);
        Statement del(*m_db, "DELETE FROM valid_paths WHERE path = ?");
        for (const auto& p : paths) {
            del.bind(1, p.to_string());
            del.run();
        }
        tx.commit();
    }
    for (const auto& p : paths) {
        detail::remove_tree(to_absolute(p));
        std::error_code ec;
        fs::remove(lock_file(p), ec); // safe: every lock user holds the GC lock shared
    }
}

GcResult Store::gc(const GcOptions& options) {
    m_gc_lock.release();
    auto exclusive = FileLock::try_acquire(meta_dir() / "gc.lock", FileLock::Mode::Exclusive);
    if (!exclusive) {
        spdlog::info("waiting for other cudapkgs processes using {} to finish", m_root.string());
        exclusive = FileLock::acquire(meta_dir() / "gc.lock", FileLock::Mode::Exclusive);
    }
    struct Relock {
        Store& s;
        std::optional<FileLock>& ex;
        ~Relock() {
            ex.reset();
            try {
                s.m_gc_lock = FileLock::acquire(s.meta_dir() / "gc.lock", FileLock::Mode::Shared);
            } catch (const std::exception& e) {
                spdlog::warn("{}", e.what());
            }
        }
    } relock{*this, exclusive};

    GcResult result;
    std::vector<StorePath> roots = options.keep;
    for (const auto& k : options.keep) {
        if (!find_id(k)) {
            fail(ErrorKind::InvalidInput, "--keep {}: not a valid store path", k.to_string());
        }
    }
    for (auto& [reg, target] : read_gc_roots()) {
        if (target) {
            roots.push_back(*target);
        } else {
            result.dropped_roots.push_back(reg);
            if (!options.dry_run) {
                std::error_code ec;
                fs::remove(reg, ec);
            }
        }
    }
    std::uint64_t total = 0;
    Graph g = make_graph(list(), total);
    auto live = closure(g.references, roots);
    result.live = live.size();
    result.deleted = choose_victims(g, live, options.max_size, total);
    for (const auto& p : result.deleted) {
        result.bytes_freed += g.paths.at(p).first;
    }
    result.size_after = total;
    if (!options.dry_run) {
        delete_paths(result.deleted);
    }
    // No build runs while we hold the GC lock exclusively, so no download is in use.
    std::error_code ec;
    for (auto it = fs::directory_iterator(meta_dir() / "downloads", ec);
         !ec && it != fs::directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec)) {
            continue;
        }
        std::error_code size_ec;
        const auto size = it->file_size(size_ec);
        if (!options.dry_run && !fs::remove(it->path(), ec)) {
            continue;
        }
        ++result.downloads_deleted;
        result.download_bytes_freed += size_ec ? 0 : size;
    }
    return result;
}

} // namespace cudapkgs::store
