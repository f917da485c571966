// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"
#include "context.hpp"
#include "output.hpp"

namespace cudapkgs::cli {

RunFn setup_show_derivation(CLI::App& cmd, Session& session) {
    const GlobalOptions& global = session.global();
    auto attrpath = std::make_shared<std::string>();
    cmd.add_option("ATTRPATH", *attrpath, "Package, e.g. cudaPackages_12_8.cudnn")->required();
    return [attrpath, &global, &session] {
        auto& ctx = session.eval({*attrpath});
        auto resolved = ctx.evaluator->resolve_package(*attrpath);
        nlohmann::json paths = nlohmann::json::object();
        for (const auto& [output, path] :
             ctx.evaluator->out_paths(*resolved.set, *resolved.package, resolved.attrpath)) {
            paths[output] = show_store_path(ctx, path);
        }
        const auto& drv = ctx.evaluator->derivation(*resolved.set, *resolved.package);
        nlohmann::json out = {{"attrpath", resolved.attrpath},
                              {"hash", drv.hash},
                              {"inputs", drv.inputs},
                              {"outPaths", paths}};
        // Not inputs: the set's manifest releases and, for configuration-dependent pins, the
        // branch this configuration took (sets.json), so a reader sees why this version.
        out["set"] = {{"name", resolved.set->name()},
                      {"redistSystem", resolved.set->redist_system()},
                      {"manifests", resolved.set->manifest_versions()},
                      {"pinBranches", resolved.set->pin_branches()}};
        print_json(out, !global.json);
        return 0;
    };
}

} // namespace cudapkgs::cli
