// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/util/json_dump.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace cudapkgs::util {

namespace {

/// Whether any of the 8 bytes in `w` is below 0x20, '"', '\\' or 0x80 and above (bit tricks:
/// a byte of `x` is zero exactly when the high bit of that byte of the result is set).
bool needs_care(std::uint64_t w) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
    auto has_zero = [](std::uint64_t x) { return ((x - kOnes) & ~x & kHigh) != 0; };
    const bool below_0x20 = ((w - kOnes * 0x20) & ~w & kHigh) != 0;
    return (w & kHigh) != 0 || below_0x20 || has_zero(w ^ (kOnes * '"')) ||
           has_zero(w ^ (kOnes * '\\'));
}

/// Writes an ASCII string as dump() does; false (nothing written) when it has other bytes.
bool dump_ascii_string(const std::string& s, std::string& out) {
    const char* data = s.data();
    const std::size_t size = s.size();
    std::size_t clean = 0; // bytes [0, clean) need no escape
    for (std::uint64_t w = 0; clean + 8 <= size; clean += 8) {
        std::memcpy(&w, data + clean, 8);
        if (needs_care(w)) {
            break;
        }
    }
    if (std::any_of(data + clean, data + size,
                    [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
        return false;
    }
    out += '"';
    out.append(data, clean);
    std::size_t plain_from = clean;
    for (std::size_t i = clean; i < size; ++i) {
        const auto c = static_cast<unsigned char>(data[i]);
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        out.append(s, plain_from, i - plain_from);
        plain_from = i + 1;
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\r':
            out += "\\r";
            break;
        default: {
            static const char kHex[] = "0123456789abcdef";
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
        }
    }
    out.append(s, plain_from, std::string::npos);
    out += '"';
    return true;
}

template <typename Integer> void dump_integer(Integer n, std::string& out) {
    char buffer[24];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, n);
    out.append(buffer, result.ptr);
}

} // namespace

void dump_compact(const nlohmann::json& value, std::string& out) {
    using Type = nlohmann::json::value_t;
    switch (value.type()) {
    case Type::object: {
        out += '{';
        bool first = true;
        for (const auto& [key, item] : value.get_ref<const nlohmann::json::object_t&>()) {
            if (!first) {
                out += ',';
            }
            first = false;
            if (!dump_ascii_string(key, out)) {
                out += nlohmann::json(key).dump();
            }
            out += ':';
            dump_compact(item, out);
        }
        out += '}';
        return;
    }
    case Type::array: {
        out += '[';
        bool first = true;
        for (const auto& item : value.get_ref<const nlohmann::json::array_t&>()) {
            if (!first) {
                out += ',';
            }
            first = false;
            dump_compact(item, out);
        }
        out += ']';
        return;
    }
    case Type::string:
        if (!dump_ascii_string(value.get_ref<const std::string&>(), out)) {
            out += value.dump();
        }
        return;
    case Type::boolean:
        out += value.get<bool>() ? "true" : "false";
        return;
    case Type::null:
        out += "null";
        return;
    case Type::number_integer:
        dump_integer(value.get<nlohmann::json::number_integer_t>(), out);
        return;
    case Type::number_unsigned:
        dump_integer(value.get<nlohmann::json::number_unsigned_t>(), out);
        return;
    case Type::number_float:
    case Type::binary:
    case Type::discarded:
        out += value.dump();
        return;
    }
}

std::string dump_compact(const nlohmann::json& value) {
    std::string out;
    dump_compact(value, out);
    return out;
}

} // namespace cudapkgs::util
