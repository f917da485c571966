// SPDX-License-Identifier: Apache-2.0
// Finding where a value sits in JSON text, so errors can name `file:line:col`.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::util {

struct TextPosition {
    std::size_t line = 1;   ///< 1-based
    std::size_t column = 1; ///< 1-based, in bytes
};

/// Line and column of a byte offset.
TextPosition position_of(std::string_view text, std::size_t offset);

/// Byte offset of the value at `path` (object keys, or array indices written as decimal)
/// in JSON `text`; nullopt when absent or the text is not well-formed up to that point.
std::optional<std::size_t> locate_json(std::string_view text, const std::vector<std::string>& path);

/// `file:line:col` of the value at `path`, or of the innermost ancestor that exists; just
/// `file` when nothing can be located.
std::string json_origin(std::string_view file, std::string_view text,
                        const std::vector<std::string>& path);

/// Renders a key path for messages: `cudnn.linux-x86_64.cuda12.size`.
std::string format_json_path(const std::vector<std::string>& path);

} // namespace cudapkgs::util
