// SPDX-License-Identifier: Apache-2.0
// Validation helpers shared by the rule parser and the build-step parser (module-private).
#pragma once

#include <cudapkgs/util/json_cursor.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::fixups::detail {

/// The output names a fixup may use.
const std::vector<std::string>& output_names();

bool contains(const std::vector<std::string>& list, std::string_view item);

/// Throws for the first key of `obj` not in `allowed` (with "did you mean").
void check_keys(util::JsonCursor& c, const nlohmann::json& obj,
                const std::vector<std::string>& allowed);

/// The non-empty string at `obj[key]`; throws when it is missing, not a string or empty.
std::string require_string(util::JsonCursor& c, const nlohmann::json& obj, const char* key);

/// A relative path pattern inside a package: no absolute paths, no `..`.
void check_relative(util::JsonCursor& c, const std::string& path);

/// A list of objects with only `keys`, the `required` ones non-empty strings, the `paths`
/// ones relative paths.
void check_object_list(util::JsonCursor& c, const nlohmann::json& value,
                       const std::vector<std::string>& keys,
                       const std::vector<std::string>& required,
                       const std::vector<std::string>& paths);

/// Every name is a known output.
void check_outputs(util::JsonCursor& c, const std::vector<std::string>& names);

} // namespace cudapkgs::fixups::detail
