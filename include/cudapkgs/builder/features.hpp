// SPDX-License-Identifier: Apache-2.0
// Which outputs an unpacked redistributable would populate (nixpkgs' cuda-redist-find-features
// rules), so feature files can be written from archives.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>

namespace cudapkgs::builder {

/// `{bin, dev, doc, lib, sample, static}` booleans for an unpacked tree:
/// bin: a non-empty bin/ with an executable file; dev: a non-empty include, lib/pkgconfig,
/// share/pkgconfig, lib/cmake or share/aclocal; doc: a non-empty share/{info,doc,gtk-doc,
/// devhelp,man}; lib: lib/ with a shared library; static: lib/ with a static library;
/// sample: a non-empty samples/.
nlohmann::json features_of_tree(const std::filesystem::path& root);

/// Unpacks a redistributable archive into a temporary directory and computes its features.
nlohmann::json features_of_archive(const std::filesystem::path& archive);

} // namespace cudapkgs::builder
