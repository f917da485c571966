// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/version/version.hpp>

#include <cctype>

namespace cudapkgs::version {

std::optional<Version> Version::find(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    Version v;
    v.m_text = std::string(text);
    std::size_t i = 0;
    while (i <= text.size()) {
        std::size_t end = text.find('.', i);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        std::string_view piece = text.substr(i, end - i);
        if (piece.empty() || std::isdigit(static_cast<unsigned char>(piece[0])) == 0 ||
            piece.size() > 18) {
            return std::nullopt;
        }
        Part part;
        std::size_t k = 0;
        while (k < piece.size() && std::isdigit(static_cast<unsigned char>(piece[k])) != 0) {
            part.number = part.number * 10 + static_cast<unsigned long>(piece[k] - '0');
            ++k;
        }
        part.suffix = std::string(piece.substr(k));
        for (char c : part.suffix) {
            if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != '-' &&
                c != '+') {
                return std::nullopt;
            }
        }
        v.m_parts.push_back(std::move(part));
        i = end + 1;
    }
    return v;
}

Version Version::parse(std::string_view text) {
    auto v = find(text);
    if (!v) {
        fail(ErrorKind::InvalidInput, "invalid version '{}'", text);
    }
    return *v;
}

std::string Version::prefix(std::size_t n) const {
    std::string out;
    for (std::size_t i = 0; i < n && i < m_parts.size(); ++i) {
        if (i > 0) {
            out += '.';
        }
        out += std::to_string(m_parts[i].number) + m_parts[i].suffix;
    }
    return out;
}

std::strong_ordering Version::operator<=>(const Version& other) const {
    const std::size_t n = std::max(m_parts.size(), other.m_parts.size());
    for (std::size_t i = 0; i < n; ++i) {
        // A missing component counts as 0, so "9" == "9.0".
        const Part empty;
        const Part& a = i < m_parts.size() ? m_parts[i] : empty;
        const Part& b = i < other.m_parts.size() ? other.m_parts[i] : empty;
        if (auto c = a.number <=> b.number; c != 0) {
            return c;
        }
        if (auto c = a.suffix <=> b.suffix; c != 0) {
            return c;
        }
    }
    return std::strong_ordering::equal;
}

VersionRange VersionRange::parse(std::string_view text) {
    VersionRange range;
    range.m_text = std::string(text);
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && text[i] == ' ') {
            ++i;
        }
        if (i >= text.size()) {
            break;
        }
        std::size_t end = text.find(' ', i);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        std::string_view clause = text.substr(i, end - i);
        i = end;
        Op op = Op::Eq;
        std::size_t skip = 0;
        if (clause.starts_with(">=")) {
            op = Op::Ge, skip = 2;
        } else if (clause.starts_with("<=")) {
            op = Op::Le, skip = 2;
        } else if (clause.starts_with("==")) {
            op = Op::Eq, skip = 2;
        } else if (clause.starts_with("!=")) {
            op = Op::Ne, skip = 2;
        } else if (clause.starts_with(">")) {
            op = Op::Gt, skip = 1;
        } else if (clause.starts_with("<")) {
            op = Op::Lt, skip = 1;
        } else if (clause.starts_with("=")) {
            op = Op::Eq, skip = 1;
        } else {
            fail(ErrorKind::InvalidInput,
                 "invalid version range '{}': clause '{}' must start with >=, >, <=, <, == or !=",
                 text, clause);
        }
        auto bound = Version::find(clause.substr(skip));
        if (!bound) {
            fail(ErrorKind::InvalidInput, "invalid version range '{}': '{}' is not a version", text,
                 clause.substr(skip));
        }
        range.m_clauses.push_back({op, *bound});
    }
    return range;
}

bool VersionRange::contains(const Version& v) const {
    for (const auto& c : m_clauses) {
        auto cmp = v <=> c.bound;
        bool ok = false;
        switch (c.op) {
        case Op::Lt:
            ok = cmp < 0;
            break;
        case Op::Le:
            ok = cmp <= 0;
            break;
        case Op::Gt:
            ok = cmp > 0;
            break;
        case Op::Ge:
            ok = cmp >= 0;
            break;
        case Op::Eq:
            ok = cmp == 0;
            break;
        case Op::Ne:
            ok = cmp != 0;
            break;
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::string versioned_name(std::string_view name, std::string_view version) {
    std::string out(name);
    out += '_';
    for (char c : version) {
        out += c == '.' ? '_' : c;
    }
    return out;
}

} // namespace cudapkgs::version
