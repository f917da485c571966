// SPDX-License-Identifier: Apache-2.0
// Which output an archive entry belongs to (docs/outputs.md), after fixup moves and removals.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cudapkgs::builder {

/// Routes relative archive paths to outputs.
class OutputRouter {
  public:
    /// `outputs`: the package's outputs; `steps`: its fixup build steps (remove, move,
    /// outputPatterns are used here).
    OutputRouter(std::vector<std::string> outputs, const nlohmann::json& steps);

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
