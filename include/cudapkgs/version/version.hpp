// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::version {

/// A dotted version such as `12.8.93`, `9.13.0.50` or `570.211.01`. Components are compared
/// numerically; a non-numeric tail of a component (`0a`) compares after the bare number, as in
/// nixpkgs' version ordering.
class Version {
  public:
    Version() = default;
    /// Parses a version; throws Error{InvalidInput} on an empty or malformed string.
    static Version parse(std::string_view text);
    /// Like parse, but returns nullopt instead of throwing.
    static std::optional<Version> find(std::string_view text);

    const std::string& str() const noexcept { return m_text; }
    std::size_t size() const noexcept { return m_parts.size(); }
    unsigned long part(std::size_t i) const { return i < m_parts.size() ? m_parts[i].number : 0; }
    /// The first `n` components joined by dots (`12.8.93` → `12.8` for n = 2).
    std::string prefix(std::size_t n) const;

    std::strong_ordering operator<=>(const Version& other) const;
    bool operator==(const Version& other) const { return (*this <=> other) == 0; }

  private:
    struct Part {
        unsigned long number = 0;
        std::string suffix;
    };
    std::string m_text;
    std::vector<Part> m_parts;
};

/// A conjunction of comparisons such as `>=8.0.5 <9` (also `>`, `<=`, `==`, `!=`, `=`).
/// An empty range matches every version. `<9` compares component-wise, so 9.0.1 is not < 9.
class VersionRange {
  public:
    VersionRange() = default;
    /// Parses a range; throws Error{InvalidInput} naming the bad clause.
    static VersionRange parse(std::string_view text);

    bool contains(const Version& v) const;
    const std::string& str() const noexcept { return m_text; }

  private:
    enum class Op { Lt, Le, Gt, Ge, Eq, Ne };
    struct Clause {
        Op op;
        Version bound;
    };
    std::string m_text;
    std::vector<Clause> m_clauses;
};

/// `mkVersionedName`: ("cudaPackages", "12.8") → "cudaPackages_12_8".
std::string versioned_name(std::string_view name, std::string_view version);

} // namespace cudapkgs::version
