// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the store tests.
#pragma once

#include <cudapkgs/store/store.hpp>
#include <cudapkgs/util/hash.hpp>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <sys/stat.h>

namespace cudapkgs::store::test {

using storepath::StorePath;

/// A store path whose hash part is derived from `name`.
inline StorePath make_path(const std::string& name) {
    util::Sha256 h;
    h.update(name);
    auto digest = h.finish();
    return StorePath::from_parts(util::compress_to_nix_base32(digest, 20), name);
}

inline void write(const std::filesystem::path& file, const std::string& content,
                  mode_t mode = 0644) {
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    ::chmod(file.c_str(), mode);
}

/// Runs SQL on a store database directly (tests that fake timestamps or corruption).
inline void sqlite_exec(const std::filesystem::path& db, const std::string& sql) {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
    INFO((err ? err : ""));
    sqlite3_free(err);
    sqlite3_close(h);
    REQUIRE(rc == SQLITE_OK);
}

/// Builds and commits a small tree (`bin/tool`, `lib/libx.so`, a symlink) under the lock.
inline PathInfo build_simple(Store& store, const StorePath& path, std::vector<StorePath> refs = {},
                             const std::string& content = "payload") {
    auto locks = store.lock_paths({path});
    if (store.is_valid(path)) {
        return store.get_path_info(path);
    }
    auto dir = store.make_build_dir();
    write(dir.path() / "bin" / "tool", "#!/bin/sh\necho " + content + "\n", 0755);
    write(dir.path() / "lib" / "libx.so.1", content + content);
    std::filesystem::create_symlink("libx.so.1", dir.path() / "lib" / "libx.so");
    return store.commit(locks, CommitOutput{std::move(dir), path, std::move(refs), "drv-hash"});
}

} // namespace cudapkgs::store::test
