// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/cache/cache_info.hpp>
#include <cudapkgs/cache/push.hpp>
#include <cudapkgs/store/tree_hash.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <spdlog/spdlog.h>

#include <functional>
#include <set>

namespace cudapkgs::cache {

using storepath::StorePath;

std::vector<StorePath> closure_of(store::Store& store, const std::vector<StorePath>& roots) {
    std::vector<StorePath> order;
    std::set<StorePath> seen;
    // Depth-first, emitting a path after its references (the store has no cycles but
    // self-references, which `seen` absorbs).
    std::function<void(const StorePath&)> visit = [&](const StorePath& p) {
        if (!seen.insert(p).second) {
            return;
        }
        auto info = store.get_path_info(p);
        for (const auto& ref : info.references) {
            visit(ref);
        }
        order.push_back(p);
    };
    for (const auto& root : roots) {
        visit(root);
    }
    return order;
}

namespace {

std::uint64_t push_one(store::Store& store, Transport& cache, const StorePath& path,
                       const PushOptions& options) {
    store::PathInfo info = store.get_path_info(path);
    store::BuildDir scratch = store.make_build_dir();
    const auto archive_file = scratch.path() / "archive.tar.zst";
    const auto root = store.to_absolute(path);
    ArchiveResult archive = write_archive(root, archive_file, options.archive);
    store::TreeHash tree = store::hash_tree(root);
    if (tree.hash != info.hash) {
        Error error(
            ErrorKind::Integrity,
            fmt::format("{} no longer matches its content hash; not pushing it", root.string()));
        error.add_note("run 'cudapkgs store verify'");
        throw error;
    }
    CacheInfo entry{path};
    entry.content_hash = info.hash;
    entry.size = archive.content_size;
    entry.archive_sha256 = archive.sha256;
    entry.archive_size = archive.size;
    entry.references = info.references;
    entry.deriver = info.deriver;
    for (const auto& key : options.keys) {
        sign_info(entry, key);
    }
    std::uint64_t sent = 0;
    if (!cache.exists(entry.archive_path())) {
        if (cache.put_file(entry.archive_path(), archive_file)) {
            sent = archive.size;
        }
    }
    const auto info_file = scratch.path() / "entry.cpinfo";
    util::write_file_atomic(info_file, to_text(entry));
    if (!cache.put_file(info_file_name(path), info_file)) {
        spdlog::info("{} appeared in {} meanwhile; kept the entry there", path.to_string(),
                     cache.url().str());
    }
    return sent;
}

} // namespace

PushResult push(store::Store& store, Transport& cache, const std::vector<StorePath>& roots,
                const PushOptions& options) {
    if (options.keys.empty()) {
        spdlog::warn("pushing unsigned entries to {}: clients that require signatures will "
                     "refuse them (use --key FILE or secret-key-files)",
                     cache.url().str());
    }
    PushResult result;
    for (const auto& path : closure_of(store, roots)) {
        if (cache.exists(info_file_name(path))) {
            result.skipped.push_back(path);
            continue;
        }
        result.archive_bytes += push_one(store, cache, path, options);
        result.uploaded.push_back(path);
    }
    return result;
}

} // namespace cudapkgs::cache
