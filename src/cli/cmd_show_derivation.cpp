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
        auto paths = ctx.evaluator->out_paths(*resolved.set, *resolved.package, resolved.attrpath);
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
