// SPDX-License-Identifier: Apache-2.0
#include "expand.hpp"

#include "steps/steps.hpp"

#include <algorithm>
#include <regex>

namespace cudapkgs::builder {

std::string expand(const InstallContext& ctx, const Staging& staging, const std::string& text) {
    static const std::regex kPlaceholder(R"(\$\{([A-Za-z0-9_]+)(?:\.([A-Za-z]+))?\})");
    std::string out;
    auto begin = std::sregex_iterator(text.begin(), text.end(), kPlaceholder);
    std::size_t last = 0;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
        const auto& m = *it;
        out += text.substr(last, static_cast<std::size_t>(m.position()) - last);
        last = static_cast<std::size_t>(m.position() + m.length());
        const std::string name = m[1].str();
        if (!m[2].matched) {
            if (!staging.finals.count(name)) {
                step_failed(ctx, fmt::format("unknown placeholder '{}'", m.str()));
            }
            out += staging.finals.at(name).string();
            continue;
        }
        const std::string output = m[2].str();
        auto dep = std::find_if(ctx.dependencies.begin(), ctx.dependencies.end(),
                                [&](const DependencyInfo& d) { return d.attr == name; });
        if (dep == ctx.dependencies.end()) {
            step_failed(ctx, fmt::format("placeholder '{}' names '{}', which is not a dependency",
                                         m.str(), name));
        }
        std::vector<std::string> chain{output};
        if (output == "include") {
            chain.emplace_back("dev");
        }
        chain.emplace_back("out");
        auto found = std::find_if(chain.begin(), chain.end(),
                                  [&](const auto& o) { return dep->outputs.count(o) > 0; });
        out += dep->outputs.at(*found).string();
    }
    return out + text.substr(last);
}

} // namespace cudapkgs::builder
