// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/util/json_locate.hpp>

#include <fmt/format.h>

namespace cudapkgs::util {

TextPosition position_of(std::string_view text, std::size_t offset) {
    TextPosition pos;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++pos.line;
            pos.column = 1;
        } else {
            ++pos.column;
        }
    }
    return pos;
}

namespace {

// A minimal JSON walker: it only needs to skip values and read keys, never to build them.
class Walker {
  public:
    explicit Walker(std::string_view text) : m_text(text) {}

    std::optional<std::size_t> find(const std::vector<std::string>& path) {
        skip_ws();
        for (const auto& key : path) {
            if (!descend(key)) {
                return std::nullopt;
            }
        }
        return m_pos;
    }

  private:
    bool descend(const std::string& key) {
        if (peek() == '{') {
            ++m_pos;
            while (true) {
                skip_ws();
                if (peek() == '}' || peek() != '"') {
                    return false;
                }
                auto name = read_string();
                if (!name) {
                    return false;
                }
                skip_ws();
                if (peek() != ':') {
                    return false;
                }
                ++m_pos;
                skip_ws();
                if (*name == key) {
                    return true;
                }
                if (!skip_value() || !next_member()) {
                    return false;
                }
            }
        }
        if (peek() == '[') {
            std::size_t index = 0;
            for (char c : key) {
                if (c < '0' || c > '9') {
                    return false;
                }
                index = index * 10 + static_cast<std::size_t>(c - '0');
            }
            ++m_pos;
            for (std::size_t i = 0;; ++i) {
                skip_ws();
                if (peek() == ']') {
                    return false;
                }
                if (i == index) {
                    return true;
                }
                if (!skip_value() || !next_member()) {
                    return false;
                }
            }
        }
        return false;
    }

    bool next_member() {
        skip_ws();
        if (peek() == ',') {
            ++m_pos;
            return true;
        }
        return false;
    }

    bool skip_value() {
        skip_ws();
        char c = peek();
        if (c == '"') {
            return read_string().has_value();
        }
        if (c == '{' || c == '[') {
            // Skip a nested structure by depth counting, honouring strings.
            int depth = 0;
            while (m_pos < m_text.size()) {
                char d = m_text[m_pos];
                if (d == '"') {
                    if (!read_string()) {
                        return false;
                    }
                    continue;
                }
                if (d == '{' || d == '[') {
                    ++depth;
                } else if (d == '}' || d == ']') {
                    if (--depth == 0) {
                        ++m_pos;
                        return true;
                    }
                }
                ++m_pos;
            }
            return false;
        }
        while (m_pos < m_text.size() && m_text[m_pos] != ',' && m_text[m_pos] != '}' &&
               m_text[m_pos] != ']') {
            ++m_pos;
        }
        return true;
    }

    std::optional<std::string> read_string() {
        std::string out;
        ++m_pos; // opening quote
        while (m_pos < m_text.size()) {
            char c = m_text[m_pos++];
            if (c == '"') {
                return out;
            }
            if (c == '\\' && m_pos < m_text.size()) {
                char e = m_text[m_pos++];
                out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
                continue;
            }
            out += c;
        }
        return std::nullopt;
    }

    void skip_ws() {
        while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\n' ||
                                         m_text[m_pos] == '\r' || m_text[m_pos] == '\t')) {
            ++m_pos;
        }
    }

    char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }

    std::string_view m_text;
    std::size_t m_pos = 0;
};

} // namespace

std::optional<std::size_t> locate_json(std::string_view text,
                                       const std::vector<std::string>& path) {
    return Walker(text).find(path);
}

std::string json_origin(std::string_view file, std::string_view text,
                        const std::vector<std::string>& path) {
    for (std::size_t n = path.size() + 1; n-- > 0;) {
        std::vector<std::string> prefix(path.begin(), path.begin() + static_cast<long>(n));
        if (auto offset = locate_json(text, prefix)) {
            auto pos = position_of(text, *offset);
            return fmt::format("{}:{}:{}", file, pos.line, pos.column);
        }
    }
    return std::string(file);
}

std::string format_json_path(const std::vector<std::string>& path) {
    std::string out;
    for (const auto& key : path) {
        if (!out.empty()) {
            out += '.';
        }
        out += key;
    }
    return out.empty() ? "(top level)" : out;
}

} // namespace cudapkgs::util
