// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/json_cursor.hpp>
#include <cudapkgs/util/json_locate.hpp>
#include <cudapkgs/util/spelling.hpp>

namespace cudapkgs::util {

void JsonCursor::error(const std::string& what) const {
    throw Error(ErrorKind::InvalidInput,
                fmt::format("key '{}': {}", format_json_path(m_path), what),
                json_origin(m_file, m_text, m_path));
}

void JsonCursor::unknown_key(const std::string& word,
                             const std::vector<std::string>& candidates) const {
    Error e(ErrorKind::InvalidInput,
            fmt::format("key '{}': unknown key '{}'", format_json_path(m_path), word), [&] {
                auto p = m_path;
                p.push_back(word);
                return json_origin(m_file, m_text, p);
            }());
    if (auto guess = find_closest(word, candidates)) {
        e.add_note(fmt::format("did you mean '{}'?", *guess));
    }
    throw e;
}

std::string JsonCursor::expect_string(const nlohmann::json& value) const {
    if (!value.is_string()) {
        error(fmt::format("expected a string, got {}", value.type_name()));
    }
    return value.get<std::string>();
}

bool JsonCursor::expect_bool(const nlohmann::json& value) const {
    if (!value.is_boolean()) {
        error(fmt::format("expected true or false, got {}", value.type_name()));
    }
    return value.get<bool>();
}

std::vector<std::string> JsonCursor::expect_strings(const nlohmann::json& value) const {
    if (!value.is_array()) {
        error(fmt::format("expected a list of strings, got {}", value.type_name()));
    }
    std::vector<std::string> out;
    for (const auto& item : value) {
        if (!item.is_string()) {
            error(fmt::format("expected a list of strings, got an element of type {}",
                              item.type_name()));
        }
        out.push_back(item.get<std::string>());
    }
    return out;
}

void JsonCursor::expect_object(const nlohmann::json& value, std::string_view what) const {
    if (!value.is_object()) {
        error(fmt::format("expected {}, got {}", what, value.type_name()));
    }
}

nlohmann::json parse_json_text(std::string_view text, std::string_view file) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        auto pos = position_of(text, e.byte > 0 ? e.byte - 1 : 0);
        std::string what = e.what();
        // nlohmann prefixes "[json.exception.parse_error.101] parse error at line …: "; keep
        // only the explanation after the last ": ".
        auto colon = what.rfind(": ");
        throw Error(ErrorKind::InvalidInput,
                    fmt::format("invalid JSON: {}",
                                colon == std::string::npos ? what : what.substr(colon + 2)),
                    fmt::format("{}:{}:{}", file, pos.line, pos.column));
    } catch (const nlohmann::json::exception& e) {
        // Not a syntax error but a value nlohmann cannot hold (e.g. a number overflowing a
        // double: found by the manifest fuzzer).
        std::string what = e.what();
        auto bracket = what.find("] ");
        throw Error(ErrorKind::InvalidInput,
                    fmt::format("invalid JSON: {}",
                                bracket == std::string::npos ? what : what.substr(bracket + 2)),
                    std::string(file));
    }
}

} // namespace cudapkgs::util
