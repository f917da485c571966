// SPDX-License-Identifier: Apache-2.0
// `cudapkgs cache-key [ATTRPATH...]` (docs/commands/cache-key.md).
#include "commands.hpp"
#include "frozen.hpp"
#include "output.hpp"

#include <cudapkgs/lock/lock_file.hpp>

namespace cudapkgs::cli {

namespace {

int run_cache_key(const std::vector<std::string>& attrpaths, Session& session) {
    const GlobalOptions& global = session.global();
    auto& ctx = session.eval(attrpaths);
    nlohmann::json lock =
        lock::compute_lock(*ctx.evaluator, attrpaths_or_locked(attrpaths, ctx.lock_file));
    std::string key = lock::cache_key(lock);
    if (!global.json) {
        print_line(key);
        return 0;
    }
    nlohmann::json paths = nlohmann::json::array();
    for (const auto& [attrpath, package] : lock["packages"].items()) {
        for (const auto& [output, name] : package["outPaths"].items()) {
            paths.push_back(name);
        }
    }
    print_json({{"key", key},
                {"system", lock["system"]},
                {"cudapkgsVersion", CUDAPKGS_VERSION},
                {"attrpaths", lock["requested"]},
                {"storePaths", paths}});
    return 0;
}

} // namespace

RunFn setup_cache_key(CLI::App& cmd, Session& session) {
    auto attrpaths = std::make_shared<std::vector<std::string>>();
    cmd.add_option("ATTRPATH", *attrpaths, "Packages (default: those of the lock file)");
    return [attrpaths, &session] { return run_cache_key(*attrpaths, session); };
}

} // namespace cudapkgs::cli
