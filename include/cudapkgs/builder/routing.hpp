// SPDX-License-Identifier: Apache-2.0
// Which output an archive entry belongs to (docs/outputs.md), after fixup moves and removals.
#pragma once

#include <cudapkgs/fixups/build_step.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cudapkgs::builder {

/// Routes relative archive paths to outputs.
class OutputRouter {
  public:
    /// `outputs`: the package's outputs; `steps`: its fixup build steps (remove, move and
    /// outputPatterns apply here, each through its file in src/builder/steps/).
    OutputRouter(std::vector<std::string> outputs, const std::vector<fixups::BuildStep>& steps);

    /// Drops archive entries matching `pattern`.
    void add_remove(std::string pattern) { m_remove.push_back(std::move(pattern)); }
    /// Re-roots `from` (a directory or file) at `to` ("" or "." for the package root).
    void add_move(std::string from, std::string to) {
        m_moves.emplace_back(std::move(from), std::move(to));
    }
    /// Routes paths matching `pattern` to `output` (when the package has it).
    void add_pattern(std::string pattern, std::string output) {
        m_patterns.emplace_back(std::move(pattern), std::move(output));
    }

    /// The path after moves, or nullopt when a `remove` pattern drops it.
    std::optional<std::string> rewrite(const std::string& path) const;
    /// The output for a rewritten path.
    std::string output_for(const std::string& path) const;

  private:
    bool has(const std::string& output) const;
    std::vector<std::string> m_outputs;
    std::vector<std::string> m_remove;
    std::vector<std::pair<std::string, std::string>> m_moves;
    std::vector<std::pair<std::string, std::string>> m_patterns; ///< pattern → output
};

/// Glob match of a relative path: `*` within a component, `**/` any number of directories,
/// and a pattern without wildcards also matches everything below it.
bool path_matches(const std::string& pattern, const std::string& path);

} // namespace cudapkgs::builder
