// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"
#include "context.hpp"
#include "output.hpp"

namespace cudapkgs::cli {

RunFn setup_show_derivation(CLI::App& cmd, const GlobalOptions& global) {
    auto attrpath = std::make_shared<std::string>();
    cmd.add_option("ATTRPATH", *attrpath, "Package, e.g. cudaPackages_12_8.cudnn")->required();
    return [attrpath, &global] {
        auto ctx = make_eval_context(global);
        auto resolved = ctx.evaluator->resolve_package(*attrpath);
        nlohmann::json paths = nlohmann::json::object();
        for (const auto& [output, path] :
             ctx.evaluator->out_paths(*resolved.set, *resolved.package, resolved.attrpath)) {
            paths[output] = show_store_path(ctx, path);
        }
        const auto& drv = ctx.evaluator->derivation(*resolved.set, *resolved.package);
        print_json({{"attrpath", resolved.attrpath},
                    {"hash", drv.hash},
                    {"inputs", drv.inputs},
                    {"outPaths", paths}},
                   !global.json);
        return 0;
    };
}

} // namespace cudapkgs::cli
