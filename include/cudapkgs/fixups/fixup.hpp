// SPDX-License-Identifier: Apache-2.0
// Declarative per-package fixups (fixups/<pname>.json) and the rules overlays share with them.
#pragma once

#include <cudapkgs/fixups/build_step.hpp>
#include <cudapkgs/version/version.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cudapkgs::util {
class JsonCursor;
}

namespace cudapkgs::fixups {

/// When a rule applies: package version range, CUDA version range, platforms, systems.
struct Condition {
    version::VersionRange version;
    version::VersionRange cuda;
    std::vector<std::string> platforms; ///< redist systems; empty = any
    std::vector<std::string> systems;   ///< Nix systems; empty = any
    bool jetson_only = false;           ///< only when a Jetson capability is configured
    bool non_jetson_only = false;       ///< only when none is
};

/// What a package is evaluated against.
struct Target {
    version::Version package_version;
    version::Version cuda; ///< the set's CUDA version (major.minor.patch)
    std::string platform;  ///< redist system
    std::string system;
    bool jetson = false;
};

/// One rule: a condition, its evaluation-time effects (validated JSON) and its build steps.
struct Rule {
    Condition when;
    nlohmann::json effects;
    std::vector<BuildStep> build; ///< in build_step_keys() order
    bool matches(const Target& target) const;
};

/// The effects of every matching rule, merged in order.
struct Effects {
    std::vector<std::string> dependencies;
    std::vector<std::string> optional_dependencies;
    std::vector<std::string> system_libraries;
    std::vector<std::string> ignore_missing;
    std::vector<std::string> add_outputs;
    std::vector<std::string> remove_outputs;
    std::optional<std::vector<std::string>> only_outputs;
    std::optional<std::pair<std::string, bool>> license; ///< short name, free
    std::string main_program;
    std::vector<std::string> broken;                ///< messages making the package unavailable
    std::optional<std::string> min_cuda;            ///< inclusive
    std::optional<std::string> max_cuda;            ///< inclusive
    std::vector<BuildStep> build;                   ///< build-time steps, in order
};

/// A parsed fixup file or overlay package entry.
struct RuleList {
    std::string origin; ///< file path
    std::vector<Rule> rules;
    /// Merges the effects of rules matching `target` into `effects`.
    void collect(const Target& target, Effects& effects) const;
};

/// Parses the `rules` array found at `path_prefix` of a document; throws Error{InvalidInput}
/// naming file, line and key for unknown keys, bad types and bad ranges.
RuleList parse_rules(const nlohmann::json& rules, std::string_view file, std::string_view text,
                     const std::vector<std::string>& path_prefix);

/// The rule keys, for documentation and "did you mean".
const std::vector<std::string>& rule_keys();

/// All fixups: pname → rules, from `fixups/<pname>.json` in each directory (later wins).
class FixupSet {
  public:
    static FixupSet load(const std::vector<std::filesystem::path>& dirs);
    const RuleList* find(std::string_view pname) const;
    const std::map<std::string, RuleList, std::less<>>& all() const noexcept { return m_files; }
    /// sha256 of every file's content, by pname (for lock files).
    const std::map<std::string, std::string>& hashes() const noexcept { return m_hashes; }
    /// The outputs `outputs.json` declares for a package (always starting with `out`), or null
    /// when it declares none. Declared outputs are the same in every set and on every platform.
    const std::vector<std::string>* declared_outputs(std::string_view pname) const;
    /// `aliases` of `outputs.json`: attribute → package it stands for when the set lacks the
    /// attribute itself (`cuda_cccl` → `cccl`, NVIDIA's name from CUDA 13.3).
    const std::map<std::string, std::string>& package_aliases() const noexcept { return m_aliases; }

  private:
    void load_outputs_table(util::JsonCursor& c, const nlohmann::json& doc);

    std::map<std::string, RuleList, std::less<>> m_files;
    std::map<std::string, std::string> m_hashes;
    std::map<std::string, std::vector<std::string>, std::less<>> m_outputs;
    std::map<std::string, std::string> m_aliases;
};

} // namespace cudapkgs::fixups
