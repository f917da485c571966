// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cudapkgs/toolchain/process.hpp>
#include <cudapkgs/version/version.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace cudapkgs::toolchain {

/// A C++ host compiler nvcc can use.
struct HostCompiler {
    std::string path;    ///< as found on PATH or given by CUDAHOSTCXX/CXX
    std::string family;  ///< "gcc" or "clang"
    std::string version; ///< full version, e.g. 12.2.0
    unsigned major = 0;
};

/// Host-compiler major versions one nvcc release accepts (both ends inclusive).
struct CompilerRange {
    unsigned min = 0;
    unsigned max = 0;
};
struct NvccCompat {
    std::string cuda; ///< major.minor key of the table
    std::optional<CompilerRange> gcc;
    std::optional<CompilerRange> clang;
    const std::optional<CompilerRange>& range_for(std::string_view family) const {
        return family == "clang" ? clang : gcc;
    }
};

/// The nvcc ↔ host compiler row for a CUDA major.minor (data/nvcc-compat.json).
std::optional<NvccCompat> find_nvcc_compat(const version::Version& cuda_major_minor);

/// Runs `compiler --version` to classify it; nullopt when it cannot be run or recognised.
std::optional<HostCompiler> probe_compiler(const std::string& compiler,
                                           ProcessRunner& runner = spawn_runner());

/// CUDAHOSTCXX, then CXX, then g++ and clang++ on PATH.
std::optional<HostCompiler> detect_host_compiler(ProcessRunner& runner = spawn_runner());

/// `{path, family, version, major, cudaVersion, supported, supportedRange}` for `eval`.
nlohmann::json describe(const std::optional<HostCompiler>& compiler,
                        const version::Version& cuda_major_minor);

} // namespace cudapkgs::toolchain
