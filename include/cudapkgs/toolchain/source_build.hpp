// SPDX-License-Identifier: Apache-2.0
// Compiling a source package with nvcc or CMake against a merged toolkit view, hermetically.
#pragma once

#include <cudapkgs/capabilities/capabilities.hpp>
#include <cudapkgs/pkgset/recipe.hpp>
#include <cudapkgs/toolchain/host_compiler.hpp>
#include <cudapkgs/toolchain/merged_toolkit.hpp>
#include <cudapkgs/toolchain/process.hpp>
#include <cudapkgs/version/version.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace cudapkgs::toolchain {

/// The recipe model owns the build kind (pkgset/recipe.hpp); the source build uses it as is.
using pkgset::BuildKind;

/// Everything one source build needs; paths should be absolute.
struct SourceBuild {
    BuildKind kind = BuildKind::Cmake;
    std::filesystem::path source_dir;     ///< the package's sources (CMakeLists.txt or .cu files)
    std::filesystem::path build_dir;      ///< scratch; also HOME of the build
    std::filesystem::path install_prefix; ///< the output: bin/<name> ends up here
    std::filesystem::path toolkit_root;   ///< merged view with bin/nvcc, include, lib
    std::string host_compiler;            ///< absolute path, passed as -ccbin
    std::vector<std::string> gencode;     ///< -gencode=arch=…,code=… (Nvcc)
    std::string cmake_architectures;      ///< CMAKE_CUDA_ARCHITECTURES (Cmake)
    std::vector<std::filesystem::path> include_dirs; ///< extra -I
    std::vector<std::filesystem::path> lib_dirs;     ///< extra -L
    std::vector<std::string> link_libs;              ///< "cublas" → -lcublas (Nvcc)
    std::vector<std::string> sources;                ///< relative to source_dir (Nvcc)
    std::string output_name;                         ///< Nvcc: installs bin/<output_name>
    std::vector<std::string> extra_flags;            ///< extra nvcc flags (Nvcc) or -D… (Cmake)
    std::vector<std::string> extra_env; ///< "NAME=value", added to the clean environment
    std::filesystem::path log_file;     ///< default: <build_dir>/build.log
};

/// What build_source ran.
struct BuildOutcome {
    std::filesystem::path log_file;
    std::vector<std::vector<std::string>> commands;
    double seconds = 0;
};

/// The build's whole environment: PATH=<toolkit>/bin:/usr/bin:/bin, HOME=<build_dir>, LANG=C,
/// TMPDIR=<build_dir>/tmp, then extra_env. No CUDA_*, LD_LIBRARY_PATH or CPATH is inherited.
std::vector<std::string> clean_environment(const SourceBuild& build);

/// The argv of every step, in order (nvcc compile+link, or cmake configure/build/install).
std::vector<std::vector<std::string>> build_commands(const SourceBuild& build);

/// Runs the steps with the clean environment through `runner`, appending all output to the log
/// file. Throws Error{BuildFailed} naming the failed step, with the last 30 log lines as notes.
BuildOutcome build_source(const SourceBuild& build, const LogSink& log = {},
                          ProcessRunner& runner = spawn_runner());

/// CMAKE_CUDA_ARCHITECTURES for exactly `flags`: every capability as "<cc>-real", the last one
/// plain "<cc>" (SASS + PTX) when forward compat is on ("75-real;86-real;90").
std::string cmake_architectures(const capabilities::Flags& flags);

/// CUDA major.minor of `<toolkit_root>/bin/nvcc` ("release 13.0" in `nvcc --version`);
/// throws Error{BuildFailed} when it cannot be run or read.
version::Version detect_nvcc_version(const std::filesystem::path& toolkit_root);

/// Checks the host compiler against nvcc's supported range for `cuda` (major.minor) and returns
/// its absolute path for -ccbin / CMAKE_CUDA_HOST_COMPILER. Throws Error{InvalidInput} when
/// none was found, or when it is outside the range (naming both versions) unless
/// `allow_unsupported`.
std::string check_host_compiler(const std::optional<HostCompiler>& compiler,
                                const version::Version& cuda, bool allow_unsupported);

} // namespace cudapkgs::toolchain
