// SPDX-License-Identifier: Apache-2.0
#include "glob.hpp"

#include <cudapkgs/builder/routing.hpp>

#include <algorithm>

namespace cudapkgs::builder {

namespace fs = std::filesystem;

std::vector<fs::path> find_files(const Staging& staging, const std::string& pattern) {
    std::vector<fs::path> found;
    for (const auto& [output, dir] : staging.dirs) {
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(dir.path(), ec);
             it != fs::recursive_directory_iterator(); it.increment(ec)) {
            const std::string rel = fs::relative(it->path(), dir.path()).generic_string();
            if (!it->is_directory() && path_matches(pattern, rel)) {
                found.push_back(it->path());
            }
        }
    }
    std::sort(found.begin(), found.end());
    return found;
}

} // namespace cudapkgs::builder
