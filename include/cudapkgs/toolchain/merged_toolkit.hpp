// SPDX-License-Identifier: Apache-2.0
// A symlink join of several package output trees into one CUDA toolkit view.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::toolchain {

/// Receives one line of build or merge log (no trailing newline).
using LogSink = std::function<void(std::string_view line)>;

/// A path two roots both provide; the first root's entry is kept.
struct MergeConflict {
    std::filesystem::path relative; ///< path inside the view
    std::filesystem::path kept;     ///< the entry the view points to
    std::filesystem::path ignored;  ///< the later root's entry
};

/// What make_merged_toolkit did.
struct MergeReport {
    std::size_t links = 0;       ///< symlinks created
    std::size_t directories = 0; ///< directories created
    std::vector<MergeConflict> conflicts;
};

/// Joins `roots` into `dest` (created if absent; must not contain entries of its own): top-level
/// directories and directories several roots provide are real directories merged recursively;
/// a deeper directory only one root provides is one symlink to it (include/cccl); every file is
/// a symlink to the root's file (relative when both sit under one parent, so a moved store
/// keeps working). A symlink inside
/// a root whose target stays inside that root is copied as is (lib64 -> lib keeps pointing at
/// the merged lib); other symlinks point at the root's entry. On a conflict the first root
/// wins and the conflict is logged and reported. When the view has lib/ and no lib64, lib64 ->
/// lib is added (nvcc.profile links from $(TOP)/lib64). Throws Error{BuildFailed} on I/O errors and
/// Error{InvalidInput} when a root is not a directory.
MergeReport make_merged_toolkit(const std::vector<std::filesystem::path>& roots,
                                const std::filesystem::path& dest, const LogSink& log = {});

} // namespace cudapkgs::toolchain
