// SPDX-License-Identifier: Apache-2.0
// Finding a package's staged files by path pattern, across its outputs.
#pragma once

#include "staging.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace cudapkgs::builder {

/// The files (not directories) whose path relative to their output's root matches `pattern`
/// (path_matches rules), sorted.
std::vector<std::filesystem::path> find_files(const Staging& staging, const std::string& pattern);

} // namespace cudapkgs::builder
