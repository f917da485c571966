// SPDX-License-Identifier: Apache-2.0
// Shared helpers for unit tests: the shipped manifests and an evaluator over them.
#pragma once

#include <cudapkgs/pkgset/evaluator.hpp>

#include <filesystem>
#include <memory>
#include <string>

namespace cudapkgs::test {

inline std::filesystem::path source_dir() {
    return CUDAPKGS_SOURCE_DIR;
}
inline std::filesystem::path test_data() {
    return CUDAPKGS_TEST_DATA;
}

/// The catalog of the project's own manifests/ (loaded once).
const pkgset::Catalog& shipped_catalog();

/// An evaluator over the shipped manifests with the given configuration.
std::unique_ptr<pkgset::Evaluator> make_evaluator(config::Config config = {},
                                                  std::string system = "x86_64-linux");

/// The value at `attrpath` with its store paths absolute in `store_dir` (as `cudapkgs eval`
/// prints it).
nlohmann::json eval_in_store(pkgset::Evaluator& evaluator, std::string_view attrpath,
                             const std::filesystem::path& store_dir = "/store");

/// Compares `actual` with the golden file tests/data/<name>; CUDAPKGS_TEST_ACCEPT=1 rewrites it.
bool matches_golden(const std::string& name, const std::string& actual);

} // namespace cudapkgs::test
