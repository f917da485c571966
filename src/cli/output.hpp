// SPDX-License-Identifier: Apache-2.0
// Writing results to stdout: the only place results are printed.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

namespace cudapkgs::cli {

/// Prints JSON on one line (compact) or indented, followed by a newline.
void print_json(const nlohmann::json& value, bool pretty = false);
/// Prints a line of text.
void print_line(std::string_view text);

} // namespace cudapkgs::cli
