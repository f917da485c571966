// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"
#include "context.hpp"
#include "output.hpp"

namespace cudapkgs::cli {

RunFn setup_eval(CLI::App& cmd, Session& session) {
    struct Opts {
        std::string attrpath;
        bool raw = false;
        bool pretty = false;
    };
    auto opts = std::make_shared<Opts>();
    cmd.add_option("ATTRPATH", opts->attrpath,
                   "Attribute path, e.g. cudaPackages_12_8.cudnn.version")
        ->required();
    cmd.add_flag("--raw", opts->raw, "Print a string value without JSON quotes");
    cmd.add_flag("--pretty", opts->pretty, "Indent the JSON");
    return [opts, &session] {
        auto& ctx = session.eval();
        nlohmann::json value = show_store_paths(ctx, ctx.evaluator->evaluate(opts->attrpath));
        if (opts->raw && value.is_string()) {
            print_line(value.get<std::string>());
        } else {
            print_json(value, opts->pretty);
        }
        return 0;
    };
}

} // namespace cudapkgs::cli
