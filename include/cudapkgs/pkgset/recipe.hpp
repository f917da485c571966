// SPDX-License-Identifier: Apache-2.0
// Source-package recipes (packages/<name>/package.json); see docs/source-packages.md.
#pragma once

#include <cudapkgs/version/version.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cudapkgs::pkgset {

/// How a source package is compiled: nvcc directly, or a CMake project.
enum class BuildKind { Nvcc, Cmake };

/// One command run against a built package to check it ("testers" in the recipe).
struct Tester {
    std::vector<std::string> run; ///< argv; argv[0] relative to the package output (bin/saxpy)
    std::string expect_output;    ///< substring of stdout+stderr; empty = no check
    int expect_exit = 0;
    double timeout_seconds = 120;
};

/// Dependencies added only for some CUDA versions (cuda_crt and libnvvm from 13.0 on).
struct ConditionalDependencies {
    version::VersionRange cuda; ///< e.g. ">=13.0"
    std::vector<std::string> dependencies;
};

/// A package built from source by cudapkgs.
struct SourceRecipe {
    std::string pname;
    std::string version;
    std::string description;
    std::string license_short_name;
    bool license_free = true;
    std::filesystem::path src_path; ///< directory with the sources (absolute after loading)
    std::string src_url;            ///< alternative to src_path: a tarball …
    std::string src_sha256;         ///< … and its hash
    BuildKind kind = BuildKind::Cmake;
    std::vector<std::string> sources;     ///< nvcc: .cu/.cpp files relative to the source dir
    std::vector<std::string> link;        ///< nvcc: libraries, "cublas" → -lcublas
    std::vector<std::string> extra_flags; ///< nvccFlags or cmakeFlags
    std::string output_name;              ///< nvcc: bin/<output_name> (default: pname)
    std::vector<std::string> dependencies;
    std::vector<ConditionalDependencies> conditional_dependencies;
    std::vector<Tester> testers;
    std::string main_program;
    std::vector<std::string> platforms;

    /// dependencies plus those whose condition holds for `cuda`, without duplicates.
    std::vector<std::string> dependencies_for(const version::Version& cuda) const;
    nlohmann::json to_json() const;
};

/// Parses a recipe; relative src paths resolve against `base_dir`. Throws Error{InvalidInput}
/// with `origin` (the file name) on unknown keys, wrong types or missing fields.
SourceRecipe parse_source_recipe(const nlohmann::json& doc, const std::filesystem::path& base_dir,
                                 const std::string& origin);

/// Reads `path` (a package.json, or a directory containing one).
SourceRecipe load_source_recipe(const std::filesystem::path& path);

/// Every recipe under `dir` (dir/<name>/package.json), sorted by pname.
std::vector<SourceRecipe> load_source_recipes(const std::filesystem::path& dir);

/// Parses the "testers" array.
std::vector<Tester> parse_testers(const nlohmann::json& testers, const std::string& origin);

} // namespace cudapkgs::pkgset
