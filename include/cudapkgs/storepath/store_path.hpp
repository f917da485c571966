// SPDX-License-Identifier: Apache-2.0
// Store path names (`<hash>-<name>`): the value type a store path has from the moment the
// evaluator names it until the store opens it. Knows no store directory; absolute_in() is
// the one place a directory is put in front of a name.
#pragma once

#include <compare>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace cudapkgs::storepath {

/// The base name of a store path: `<32-char nix-base32 hash>-<name>`, never a full path.
class StorePath {
  public:
    static constexpr std::size_t kHashLength = 32;
    static constexpr std::size_t kMaxNameLength = 211;

    /// Parses a base name; throws Error{InvalidInput} saying what is wrong.
    static StorePath parse(std::string_view base_name);
    /// Parses a base name; nullopt when it is not a valid store path name.
    static std::optional<StorePath> find_parse(std::string_view base_name) noexcept;
    /// Builds `<hash>-<name>`; throws Error{InvalidInput} when either part is invalid.
    static StorePath from_parts(std::string_view hash, std::string_view name);

    /// The whole base name, `<hash>-<name>`.
    const std::string& to_string() const noexcept { return m_base; }
    /// The 32 hash characters.
    std::string_view hash_part() const noexcept {
        return std::string_view(m_base).substr(0, kHashLength);
    }
    /// The part after the hash and the dash.
    std::string_view name() const noexcept {
        return std::string_view(m_base).substr(kHashLength + 1);
    }

    friend bool operator==(const StorePath&, const StorePath&) = default;
    friend auto operator<=>(const StorePath&, const StorePath&) = default;

  private:
    explicit StorePath(std::string base) : m_base(std::move(base)) {}
    std::string m_base;
};

/// The absolute path of `path` in the store at `store_dir` (`<store_dir>/<hash>-<name>`).
std::filesystem::path absolute_in(const std::filesystem::path& store_dir, const StorePath& path);

/// Why a base name is not a valid store path (empty when it is).
std::string store_path_problem(std::string_view base_name);

/// True for characters of Nix's base-32 alphabet (`0-9a-z` without e, o, t, u).
bool is_nix_base32_char(char c) noexcept;
/// True for characters allowed in a store path name (`[A-Za-z0-9+._?=-]`).
bool is_name_char(char c) noexcept;

} // namespace cudapkgs::storepath

template <> struct std::hash<cudapkgs::storepath::StorePath> {
    std::size_t operator()(const cudapkgs::storepath::StorePath& p) const noexcept {
        return std::hash<std::string>{}(p.to_string());
    }
};
