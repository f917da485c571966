// SPDX-License-Identifier: Apache-2.0
// Fixup build steps (docs/fixups.md "Build-time steps"), parsed and validated once into types.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace cudapkgs::util {
class JsonCursor;
}

namespace cudapkgs::fixups {

/// `remove`: archive entries matching these path patterns are dropped while unpacking.
struct RemoveStep {
    std::vector<std::string> patterns;
};

/// `move`: re-root a directory (`include/cccl` → `include`) while unpacking.
struct MoveStep {
    struct Move {
        std::string from;
        std::string to;
    };
    std::vector<Move> moves;
};

/// `outputPatterns`: paths routed to an output before the built-in rules.
struct OutputPatternsStep {
    /// output → path patterns, in output-name order.
    std::vector<std::pair<std::string, std::vector<std::string>>> patterns;
};

/// `symlinks`: a link created where its target exists and nothing is at its path yet.
struct SymlinksStep {
    struct Link {
        std::string path;   ///< relative to the package root
        std::string target; ///< relative to the link's directory
    };
    std::vector<Link> links;
};

/// `substitute`: text edits of the files matching a pattern (placeholders expand).
struct SubstituteStep {
    struct Replace {
        std::string from;
        std::string to;
    };
    struct File {
        std::string file; ///< path pattern
        std::vector<Replace> replace;
        std::vector<std::string> append; ///< lines
    };
    std::vector<File> files;
};

/// `elf`: NEEDED and RUNPATH edits of the ELF files matching a pattern.
struct ElfStep {
    struct Needed {
        std::string files;
        std::vector<std::string> libs;
    };
    struct ReplaceNeeded {
        std::string files;
        std::string from;
        std::string to;
    };
    struct Runpath {
        std::string files;
        std::vector<std::string> add; ///< directories (placeholders allowed)
    };
    std::vector<Needed> add_needed;
    std::vector<Needed> remove_needed;
    std::vector<ReplaceNeeded> replace_needed;
    std::vector<Runpath> runpath;
};

/// `postInstall`: a shell script run in the `out` build directory.
struct PostInstallStep {
    std::string script;
};

using StepAction = std::variant<RemoveStep, MoveStep, OutputPatternsStep, SymlinksStep,
                                SubstituteStep, ElfStep, PostInstallStep>;

/// One build step: its typed action, and the validated `{key: value}` it was read from, which
/// is kept only so the derivation hashes exactly the JSON it always has.
struct BuildStep {
    StepAction action;
    nlohmann::json canonical;
};

/// The build-step keys, in the order the builder runs them within a rule.
const std::vector<std::string>& build_step_keys();

/// Parses the value of build-step `key` (one of build_step_keys()) at the cursor's position;
/// throws Error{InvalidInput} naming file, line and key for bad values.
BuildStep parse_build_step(util::JsonCursor& cursor, const std::string& key,
                           const nlohmann::json& value);

/// The steps as the derivation records them: `[{key: value}, …]`.
nlohmann::json to_json(const std::vector<BuildStep>& steps);

} // namespace cudapkgs::fixups
