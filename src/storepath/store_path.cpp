// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/storepath/store_path.hpp>
#include <cudapkgs/util/error.hpp>

namespace cudapkgs::storepath {

bool is_nix_base32_char(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return true;
    }
    return c >= 'a' && c <= 'z' && c != 'e' && c != 'o' && c != 't' && c != 'u';
}

bool is_name_char(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '.' || c == '_' || c == '?' || c == '=' || c == '-';
}

namespace {

std::string name_problem(std::string_view name) {
    if (name.empty()) {
        return "the name after the hash is empty";
    }
    if (name.size() > StorePath::kMaxNameLength) {
        return fmt::format("the name is longer than {} characters", StorePath::kMaxNameLength);
    }
    if (name.front() == '.') {
        return "the name starts with '.'";
    }
    for (char c : name) {
        if (!is_name_char(c)) {
            return fmt::format("the name contains '{}' (allowed: A-Z a-z 0-9 + . _ ? = -)",
                               c == '/' ? std::string("/") : std::string(1, c));
        }
    }
    return {};
}

std::string hash_problem(std::string_view hash) {
    if (hash.size() != StorePath::kHashLength) {
        return fmt::format("the hash part must be {} characters", StorePath::kHashLength);
    }
    for (char c : hash) {
        if (!is_nix_base32_char(c)) {
            return fmt::format("the hash part contains '{}', not a nix base-32 character", c);
        }
    }
    return {};
}

} // namespace

std::string store_path_problem(std::string_view base) {
    if (!base.empty() && base.front() == '/') {
        return "a store path name is a base name, not an absolute path";
    }
    if (base.size() < StorePath::kHashLength + 2 || base[StorePath::kHashLength] != '-') {
        return "expected '<32-character hash>-<name>'";
    }
    if (auto p = hash_problem(base.substr(0, StorePath::kHashLength)); !p.empty()) {
        return p;
    }
    return name_problem(base.substr(StorePath::kHashLength + 1));
}

StorePath StorePath::parse(std::string_view base) {
    if (auto problem = store_path_problem(base); !problem.empty()) {
        fail(ErrorKind::InvalidInput, "invalid store path '{}': {}", base, problem);
    }
    return StorePath(std::string(base));
}

std::optional<StorePath> StorePath::find_parse(std::string_view base) noexcept {
    try {
        if (store_path_problem(base).empty()) {
            return StorePath(std::string(base));
        }
    } catch (...) {
        // Only allocation can throw here; treat it as "not a store path".
    }
    return std::nullopt;
}

std::filesystem::path absolute_in(const std::filesystem::path& store_dir, const StorePath& path) {
    return store_dir / path.to_string();
}

StorePath StorePath::from_parts(std::string_view hash, std::string_view name) {
    return parse(fmt::format("{}-{}", hash, name));
}

} // namespace cudapkgs::storepath
