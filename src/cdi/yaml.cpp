// SPDX-License-Identifier: Apache-2.0
// A small YAML emitter for JSON values: block mappings and sequences, scalars written in
// their JSON form (valid YAML flow scalars), so the document reads back as the same value.
#include <cudapkgs/cdi/spec.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace cudapkgs::cdi {

namespace {

// Words YAML 1.1 readers take for booleans or null when unquoted.
constexpr std::array<std::string_view, 12> kReserved = {
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "", "<<",
};

bool is_plain_key(const std::string& key) {
    if (key.empty() || std::isalpha(static_cast<unsigned char>(key.front())) == 0) {
        return false;
    }
    std::string lower;
    for (char c : key) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') {
            return false;
        }
        lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return std::find(kReserved.begin(), kReserved.end(), lower) == kReserved.end();
}

std::string scalar(const Json& value) {
    if (value.is_array()) {
        return "[]"; // only called for empty containers
    }
    if (value.is_object()) {
        return "{}";
    }
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

bool is_block(const Json& value) {
    return (value.is_object() || value.is_array()) && !value.empty();
}

void emit(const Json& value, std::size_t indent, std::string& out);

/// A sequence item: the block written at indent+2 with its first indentation turned into "- ".
void emit_item(const Json& item, std::size_t indent, std::string& out) {
    if (!is_block(item)) {
        out.append(indent, ' ').append("- ").append(scalar(item)).append("\n");
        return;
    }
    std::string block;
    emit(item, indent + 2, block);
    block.replace(0, indent + 2, std::string(indent, ' ') + "- ");
    out += block;
}

void emit(const Json& value, std::size_t indent, std::string& out) {
    if (value.is_array()) {
        for (const auto& item : value) {
            emit_item(item, indent, out);
        }
        return;
    }
    for (const auto& [key, item] : value.items()) {
        out.append(indent, ' ');
        out += is_plain_key(key) ? key : Json(key).dump();
        if (is_block(item)) {
            out += ":\n";
            emit(item, indent + 2, out);
        } else {
            out.append(": ").append(scalar(item)).append("\n");
        }
    }
}

} // namespace

std::string to_yaml(const Json& value) {
    if (!is_block(value)) {
        return scalar(value) + "\n";
    }
    std::string out;
    emit(value, 0, out);
    return out;
}

} // namespace cudapkgs::cdi
