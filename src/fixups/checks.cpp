// SPDX-License-Identifier: Apache-2.0
#include "checks.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace cudapkgs::fixups::detail {

using nlohmann::json;
using util::JsonCursor;

const std::vector<std::string>& output_names() {
    static const std::vector<std::string> kOutputs = {
        "out", "bin", "lib", "static", "dev", "include", "doc", "sample", "python", "stubs"};
    return kOutputs;
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

void check_keys(JsonCursor& c, const json& obj, const std::vector<std::string>& allowed) {
    for (const auto& [key, value] : obj.items()) {
        if (!contains(allowed, key)) {
            c.unknown_key(key, allowed);
        }
    }
}

std::string require_string(JsonCursor& c, const json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end()) {
        c.error(fmt::format("missing '{}'", key));
    }
    auto s = c.enter(key);
    std::string value = c.expect_string(*it);
    if (value.empty()) {
        c.error("must not be empty");
    }
    return value;
}

void check_relative(JsonCursor& c, const std::string& path) {
    if (path.empty() || path.front() == '/' || path == ".." || path.starts_with("../") ||
        path.find("/../") != std::string::npos || path.ends_with("/..")) {
        c.error(fmt::format("'{}' must be a relative path inside the package", path));
    }
}

void check_object_list(JsonCursor& c, const json& value, const std::vector<std::string>& keys,
                       const std::vector<std::string>& required,
                       const std::vector<std::string>& paths) {
    if (!value.is_array()) {
        c.error(fmt::format("expected a list of objects, got {}", value.type_name()));
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
        auto s = c.enter(std::to_string(i));
        c.expect_object(value[i], "an object");
        check_keys(c, value[i], keys);
        for (const auto& key : required) {
            require_string(c, value[i], key.c_str());
        }
        for (const auto& key : paths) {
            if (value[i].contains(key)) {
                auto s2 = c.enter(key);
                check_relative(c, value[i][key].get<std::string>());
            }
        }
    }
}

void check_outputs(JsonCursor& c, const std::vector<std::string>& names) {
    for (const auto& n : names) {
        if (!contains(output_names(), n)) {
            c.unknown_key(n, output_names());
        }
    }
}

} // namespace cudapkgs::fixups::detail
