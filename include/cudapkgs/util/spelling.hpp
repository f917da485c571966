// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::util {

/// Edit distance (insertions, deletions, substitutions) between two strings.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word`, if one is close enough to be a plausible typo.
std::optional<std::string> find_closest(std::string_view word,
                                        const std::vector<std::string>& candidates);

} // namespace cudapkgs::util
