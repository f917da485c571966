// SPDX-License-Identifier: Apache-2.0
// Writing results to stdout: the only place results are printed.
#pragma once

#include <cudapkgs/util/error.hpp>

#include <nlohmann/json.hpp>

#include <string_view>

namespace cudapkgs::cli {

/// Prints JSON on one line (compact) or indented, followed by a newline.
void print_json(const nlohmann::json& value, bool pretty = false);
/// Prints a line of text.
void print_line(std::string_view text);
/// An error as JSON: `[{kind, exitCode, message, origin?, notes}]`, one entry per error of an
/// ErrorList (docs/json.md).
nlohmann::json errors_json(const Error& error);

} // namespace cudapkgs::cli
