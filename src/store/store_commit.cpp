// SPDX-License-Identifier: Apache-2.0
// Atomic commit: seal + hash, rename into place, fsync the root, register in one transaction.
#include "database.hpp"
#include "fs_ops.hpp"

#include <cudapkgs/store/store.hpp>
#include <cudapkgs/store/tree_hash.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/os_error.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>
#include <sys/stat.h>

namespace cudapkgs::store {

namespace fs = std::filesystem;
using detail::Statement;
using storepath::StorePath;

namespace {

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void check_commit_request(Store& store, const PathLocks& locks,
                          const std::vector<CommitOutput>& outputs) {
    std::set<StorePath> batch;
    for (const auto& out : outputs) {
        if (!locks.covers(out.path)) {
            fail(ErrorKind::Internal, "commit of {} without holding its lock",
                 out.path.to_string());
        }
        if (!batch.insert(out.path).second) {
            fail(ErrorKind::Internal, "commit lists {} twice", out.path.to_string());
        }
        if (out.dir.path().empty()) {
            fail(ErrorKind::Internal, "commit of {} without a build directory",
                 out.path.to_string());
        }
        if (store.is_valid(out.path)) {
            fail(ErrorKind::Internal, "{} is already valid; check is_valid() after lock_paths()",
                 out.path.to_string());
        }
    }
    for (const auto& out : outputs) {
        for (const auto& ref : out.references) {
            if (batch.count(ref) == 0 && !store.is_valid(ref)) {
                fail(ErrorKind::Internal, "{} refers to {}, which is not a valid store path",
                     out.path.to_string(), ref.to_string());
            }
        }
    }
}

void rename_into_place(const fs::path& from, const fs::path& to) {
    // Renaming a directory needs write permission on it (its ".." entry changes), so the
    // sealed top directory is made writable for the rename and sealed again afterwards.
    struct stat st {};
    const bool is_dir = ::lstat(from.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    if (is_dir) {
        ::chmod(from.c_str(), 0755);
    }
    if (::rename(from.c_str(), to.c_str()) != 0) {
        util::fail_os(errno, fmt::format("move {} to", from.string()), to);
    }
    if (is_dir) {
        ::chmod(to.c_str(), 0555);
        detail::fsync_path(to);
    }
}

} // namespace

PathInfo Store::commit(const PathLocks& locks, CommitOutput output) {
    std::vector<CommitOutput> outputs;
    outputs.push_back(std::move(output));
    return commit_outputs(locks, std::move(outputs)).front();
}

std::vector<PathInfo> Store::commit_outputs(const PathLocks& locks,
                                            std::vector<CommitOutput> outputs) {
    check_commit_request(*this, locks, outputs);
    auto hook = [this](CommitStage stage, const StorePath& p) {
        if (m_options.commit_hook) {
            m_options.commit_hook(stage, p);
        }
    };
    std::vector<PathInfo> infos;
    for (auto& out : outputs) {
        TreeHash tree = seal_and_hash_tree(out.dir.path(), &out.known_digests);
        spdlog::debug("{}: sealed {} entries; {} file digests came with the commit",
                      out.path.to_string(), tree.entries, out.known_digests.size());
        if (out.expected_hash && tree.hash != *out.expected_hash) {
            Error error(
                ErrorKind::Integrity,
                fmt::format("{} does not have the expected content hash", out.path.to_string()));
            error.add_note("expected " + *out.expected_hash);
            error.add_note("got      " + tree.hash);
            throw error;
        }
        auto refs = out.references;
        std::sort(refs.begin(), refs.end());
        refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
        infos.push_back(
            PathInfo{out.path, tree.hash, tree.size, now_seconds(), out.deriver, std::move(refs)});
        hook(CommitStage::Sealed, out.path);
    }
    std::vector<fs::path> moved;
    try {
        for (auto& out : outputs) {
            fs::path dest = to_absolute(out.path);
            detail::remove_tree(dest); // an unregistered leftover; we hold its lock
            rename_into_place(out.dir.path(), dest);
            moved.push_back(dest);
            out.dir.m_path.clear(); // committed: the BuildDir no longer owns the tree
            hook(CommitStage::Renamed, out.path);
        }
        detail::fsync_path(m_root);
        register_paths(infos);
    } catch (...) {
        for (const auto& dest : moved) { // unregistered, so they never counted; tidy up
            try {
                detail::remove_tree(dest);
            } catch (...) {
                // the next Store open removes unregistered paths
            }
        }
        throw;
    }
    for (const auto& out : outputs) {
        hook(CommitStage::Registered, out.path);
    }
    return infos;
}

void Store::register_paths(const std::vector<PathInfo>& infos) {
    detail::Transaction tx(*m_db);
    Statement insert(*m_db, "INSERT INTO valid_paths (path, hash, size, registration_time, "
                            "deriver) VALUES (?, ?, ?, ?, ?)");
    for (const auto& info : infos) {
        insert.bind(1, info.path.to_string()).bind(2, info.hash);
        insert.bind(3, static_cast<std::int64_t>(info.size)).bind(4, info.registration_time);
        if (info.deriver) {
            insert.bind(5, *info.deriver);
        } else {
            insert.bind_null(5);
        }
        insert.run();
    }
    Statement add_ref(*m_db, "INSERT INTO refs (referrer, reference) SELECT a.id, b.id FROM "
                             "valid_paths a, valid_paths b WHERE a.path = ? AND b.path = ?");
    for (const auto& info : infos) {
        for (const auto& ref : info.references) {
            add_ref.bind(1, info.path.to_string()).bind(2, ref.to_string());
            add_ref.run();
        }
    }
    tx.commit();
}

} // namespace cudapkgs::store
