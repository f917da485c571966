// SPDX-License-Identifier: Apache-2.0
#include "staging.hpp"

namespace cudapkgs::builder {

namespace fs = std::filesystem;

std::optional<std::pair<std::string, std::string>> Staging::locate(const fs::path& file) const {
    for (const auto& [output, dir] : dirs) {
        auto rel = file.lexically_relative(dir.path());
        if (!rel.empty() && *rel.begin() != ".." && rel != ".") {
            return std::pair{output, rel.generic_string()};
        }
    }
    return std::nullopt;
}

void Staging::remember(const unpack::WrittenEntry& w) {
    if (auto where = w.digest ? locate(w.destination) : std::nullopt) {
        digests[where->first][where->second] = *w.digest;
    }
}

void Staging::forget(const fs::path& file) {
    if (auto where = locate(file)) {
        digests[where->first].erase(where->second);
    }
}

} // namespace cudapkgs::builder
