// SPDX-License-Identifier: Apache-2.0
// The content hash of a store path (docs/store.md, "Content hash").
#pragma once

#include <cudapkgs/util/file_stamp.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>

namespace cudapkgs::store {

/// A tree's content hash and size.
struct TreeHash {
    std::string hash;          ///< "sha256:<64 hex digits>" of the canonical serialisation
    std::uint64_t size = 0;    ///< bytes of regular-file contents in the tree
    std::uint64_t entries = 0; ///< files, directories and symlinks, the root included
    /// Files the serialising pass did not read itself: their digest came from KnownDigests or
    /// from the parallel hashing of large trees (several threads, largest files first).
    std::uint64_t reused = 0;
};

/// Content digests recorded while files were written, keyed by their path relative to the
/// tree's root ("lib/libfoo.so.1"). One is used only while the file's stamp still equals the
/// recorded one; otherwise the file is read and hashed as usual.
using KnownDigests = std::unordered_map<std::string, util::FileDigest>;

/// Hashes the tree at `root` (a directory or a regular file, never followed through a
/// symlink); throws Error{Integrity} for a symlink root, device, fifo or socket, and
/// Error{Integrity} when the tree cannot be read.
TreeHash hash_tree(const std::filesystem::path& root);

/// hash_tree() that also seals the tree for the store in the same pass: files become 0444
/// (0555 when owner-executable), directories 0555, and every file and directory is fsynced.
/// With `known`, files it describes are not read back (they are still sealed and fsynced).
TreeHash seal_and_hash_tree(const std::filesystem::path& root, const KnownDigests* known = nullptr);

} // namespace cudapkgs::store
