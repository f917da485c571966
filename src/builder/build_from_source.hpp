// SPDX-License-Identifier: Apache-2.0
// Packages built from source with nvcc or CMake (packages/<name>/package.json).
#pragma once

#include "install.hpp"
#include "staging.hpp"

#include <filesystem>

namespace cudapkgs::builder {

/// Builds a source package: a merged toolkit view of its dependencies, the set's gencode
/// flags, a checked host compiler and a clean environment; installs into `out`. `work` is a
/// scratch directory. Throws Error{BuildFailed} naming the failed command.
void build_from_source(const InstallContext& ctx, const Staging& staging,
                       const std::filesystem::path& work);

} // namespace cudapkgs::builder
