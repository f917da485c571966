// SPDX-License-Identifier: Apache-2.0
#include "steps/steps.hpp"

#include <cudapkgs/builder/routing.hpp>

#include <algorithm>
#include <fnmatch.h>

namespace cudapkgs::builder {

bool path_matches(const std::string& pattern, const std::string& path) {
    if (pattern.find_first_of("*?[") == std::string::npos) {
        return path == pattern || (path.size() > pattern.size() && path.starts_with(pattern) &&
                                   path[pattern.size()] == '/');
    }
    if (pattern.starts_with("**/")) {
        const std::string rest = pattern.substr(3);
        for (std::size_t pos = 0;; ++pos) {
            if (fnmatch(rest.c_str(), path.c_str() + pos, FNM_PATHNAME) == 0) {
                return true;
            }
            pos = path.find('/', pos);
            if (pos == std::string::npos) {
                return false;
            }
        }
    }
    if (fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0) {
        return true;
    }
    // A directory pattern (`lib/1*`) also covers what lies below a match.
    for (std::size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
        if (fnmatch(pattern.c_str(), path.substr(0, slash).c_str(), FNM_PATHNAME) == 0) {
            return true;
        }
    }
    return false;
}

OutputRouter::OutputRouter(std::vector<std::string> outputs,
                           const std::vector<fixups::BuildStep>& steps)
    : m_outputs(std::move(outputs)) {
    // nixpkgs merges top-level pkg-config directories into share/pkgconfig.
    m_moves = {{"pkg-config", "share/pkgconfig"}, {"pkgconfig", "share/pkgconfig"}};
    route_steps(steps, *this);
}

std::optional<std::string> OutputRouter::rewrite(const std::string& path) const {
    for (const auto& pattern : m_remove) {
        if (path_matches(pattern, path)) {
            return std::nullopt;
        }
    }
    std::string out = path;
    for (const auto& [from, to] : m_moves) {
        if (out == from) {
            out = to;
        } else if (out.size() > from.size() && out.starts_with(from) && out[from.size()] == '/') {
            out = (to.empty() || to == "." ? "" : to + "/") + out.substr(from.size() + 1);
        }
    }
    return out;
}

bool OutputRouter::has(const std::string& output) const {
    return std::find(m_outputs.begin(), m_outputs.end(), output) != m_outputs.end();
}

std::string OutputRouter::output_for(const std::string& path) const {
    for (const auto& [pattern, output] : m_patterns) {
        if (has(output) && path_matches(pattern, path)) {
            return output;
        }
    }
    auto first = [&](std::initializer_list<const char*> choices) -> std::string {
        for (const char* c : choices) {
            if (has(c)) {
                return c;
            }
        }
        return "out";
    };
    // Most specific first: static libraries anywhere, build metadata, then top directories.
    if (path_matches("**/*.a", path)) {
        return first({"static", "lib"});
    }
    if (path_matches("**/*.pc", path) || path_matches("**/*.cmake", path) ||
        path_matches("share/pkgconfig", path) || path_matches("lib/cmake", path)) {
        return first({"dev"});
    }
    if (path_matches("**/*.whl", path)) {
        return first({"python"});
    }
    if (path_matches("include", path)) {
        return first({"include", "dev"});
    }
    if (path_matches("lib", path) || path_matches("lib64", path)) {
        return first({"lib"});
    }
    if (path_matches("bin", path)) {
        return first({"bin"});
    }
    if (path_matches("samples", path)) {
        return first({"sample"});
    }
    if (path_matches("share/doc", path) || path_matches("share/man", path) ||
        path_matches("share/info", path)) {
        return first({"doc"});
    }
    return "out";
}

} // namespace cudapkgs::builder
