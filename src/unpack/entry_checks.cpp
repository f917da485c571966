// SPDX-License-Identifier: Apache-2.0
#include "entry_checks.hpp"

#include <fmt/format.h>

#include <vector>

namespace cudapkgs::unpack::detail {

namespace fs = std::filesystem;

namespace {
constexpr std::size_t kMaxComponent = 255;
constexpr std::size_t kMaxName = 3072; // below PATH_MAX with room for the store prefix
} // namespace

NormalisedName normalise_entry_name(std::string_view name) {
    NormalisedName out;
    if (name.empty()) {
        out.problem = "empty name";
        return out;
    }
    if (name.front() == '/') {
        out.problem = "absolute path";
        return out;
    }
    if (name.size() > kMaxName) {
        out.problem = fmt::format("a name longer than {} bytes", kMaxName);
        return out;
    }
    if (name.find('\0') != std::string_view::npos) {
        out.problem = "NUL in name";
        return out;
    }
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t end = name.find('/', start);
        if (end == std::string_view::npos) {
            end = name.size();
        }
        std::string_view part = name.substr(start, end - start);
        if (part == "..") {
            out.problem = "'..' component";
            return out;
        }
        if (part.size() > kMaxComponent) { // the file system would refuse it (ENAMETOOLONG)
            out.problem = fmt::format("a name component longer than {} bytes", kMaxComponent);
            return out;
        }
        if (!part.empty() && part != ".") {
            out.path /= std::string(part);
        }
        start = end + 1;
    }
    return out;
}

std::string symlink_escape_problem(const fs::path& link, std::string_view target) {
    if (target.empty()) {
        return "empty symlink target";
    }
    if (target.front() == '/') {
        return "absolute symlink target";
    }
    if (target.size() > kMaxName) {
        return "symlink target too long";
    }
    // Depth below the tree root of the directory holding the link, then walk the target.
    long depth = 0;
    for (auto it = link.begin(); it != link.end(); ++it) {
        ++depth;
    }
    --depth;
    // Only leading ".." components are accepted: after a name, ".." would be resolved by the
    // kernel relative to wherever that name (possibly a symlink) points, not lexically.
    bool seen_name = false;
    std::size_t start = 0;
    while (start <= target.size()) {
        std::size_t end = target.find('/', start);
        if (end == std::string_view::npos) {
            end = target.size();
        }
        std::string_view part = target.substr(start, end - start);
        if (part == "..") {
            if (seen_name) {
                return "'..' after a name in the symlink target";
            }
            if (--depth < 0) {
                return "symlink target leaves the tree";
            }
        } else if (!part.empty() && part != ".") {
            seen_name = true;
        }
        start = end + 1;
    }
    return {};
}

bool is_within(const fs::path& path, const fs::path& root) {
    auto p = path.begin();
    for (auto r = root.begin(); r != root.end(); ++r, ++p) {
        if (r->empty() && std::next(r) == root.end()) {
            break; // trailing separator of the root
        }
        if (p == path.end() || *p != *r) {
            return false;
        }
    }
    return true;
}

} // namespace cudapkgs::unpack::detail
