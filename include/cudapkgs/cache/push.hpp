// SPDX-License-Identifier: Apache-2.0
// Uploading store paths and their closures to a binary cache.
#pragma once

#include <cudapkgs/cache/archive.hpp>
#include <cudapkgs/cache/signing.hpp>
#include <cudapkgs/cache/transport.hpp>
#include <cudapkgs/store/store.hpp>

#include <optional>
#include <vector>

namespace cudapkgs::cache {

struct PushOptions {
    std::vector<SecretKey> keys; ///< each signs every entry; none = unsigned entries
    ArchiveOptions archive;
};

struct PushResult {
    std::vector<storepath::StorePath> uploaded; ///< in upload order (references first)
    std::vector<storepath::StorePath> skipped;  ///< already in the cache
    std::uint64_t archive_bytes = 0;        ///< compressed bytes uploaded
};

/// The closure of `roots` (every path and its references, transitively), references before
/// their referrers; throws Error{InvalidInput} when a root is not valid.
std::vector<storepath::StorePath> closure_of(store::Store& store,
                                             const std::vector<storepath::StorePath>& roots);

/// Uploads each path of the closure of `roots` the cache does not have yet: the archive
/// first, then the signed metadata, so a reader never sees metadata without its archive.
/// The tree's content hash is recomputed first; a path that no longer matches the store's
/// record is Error{Integrity} (nothing of it uploaded). Throws transport errors unchanged.
PushResult push(store::Store& store, Transport& cache,
                const std::vector<storepath::StorePath>& roots, const PushOptions& options);

} // namespace cudapkgs::cache
