// SPDX-License-Identifier: Apache-2.0
// The build directories of a package's outputs while it is being installed.
#pragma once

#include <cudapkgs/store/store.hpp>
#include <cudapkgs/unpack/unpacker.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace cudapkgs::builder {

/// The build directory of each output plus where it will live once committed, and the
/// digests the unpacker took of the files it wrote (forgotten for every file a later step
/// changes, so sealing rehashes exactly those).
struct Staging {
    std::map<std::string, store::BuildDir> dirs;
    std::map<std::string, std::filesystem::path> finals;
    std::map<std::string, store::KnownDigests> digests;

    std::filesystem::path dir(const std::string& output) const { return dirs.at(output).path(); }

    /// The output whose build directory holds `file`, and the path relative to it.
    std::optional<std::pair<std::string, std::string>>
    locate(const std::filesystem::path& file) const;
    /// Keeps the unpacker's digest of a written file.
    void remember(const unpack::WrittenEntry& written);
    /// Drops the digest of a file a step changed.
    void forget(const std::filesystem::path& file);
};

} // namespace cudapkgs::builder
