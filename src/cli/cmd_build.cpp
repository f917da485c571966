// SPDX-License-Identifier: Apache-2.0
#include "build_support.hpp"
#include "commands.hpp"
#include "output.hpp"

#include <cudapkgs/fetch/progress.hpp>

#include <fmt/format.h>

namespace cudapkgs::cli {

namespace {

struct BuildArgs {
    std::vector<std::string> attrpaths;
    std::string out_link = "result";
    bool no_link = false;
    bool dry_run = false;
    bool keep_going = false;
    bool rebuild = false;
    std::string progress = "auto";
};

int print_plan(BuildSession& session, const BuildArgs& args, bool json) {
    auto plan = session.builder->plan(session.targets(args.attrpaths));
    nlohmann::json out = nlohmann::json::array();
    std::uint64_t total = 0;
    for (const auto& p : plan) {
        out.push_back(
            {{"attrpath", p.attrpath},
             {"outPath", p.out_path},
             {"valid", p.valid},
             {"fetch", p.fetch_url ? nlohmann::json{{"url", *p.fetch_url}, {"size", p.fetch_size}}
                                   : nlohmann::json(nullptr)}});
        total += p.fetch_size;
        if (!json) {
            print_line(fmt::format("{} {}{}", p.valid ? "valid:" : "build:", p.attrpath,
                                   p.fetch_url ? fmt::format("  (fetch {} from {})",
                                                             fetch::format_bytes(p.fetch_size),
                                                             *p.fetch_url)
                                               : ""));
        }
    }
    if (json) {
        print_json({{"plan", out}, {"downloadBytes", total}});
    } else {
        print_line(fmt::format("{} to download", fetch::format_bytes(static_cast<double>(total))));
    }
    return 0;
}

} // namespace

RunFn setup_build(CLI::App& cmd, Session& session) {
    const GlobalOptions& global = session.global();
    auto args = std::make_shared<BuildArgs>();
    cmd.add_option("ATTRPATH", args->attrpaths, "Packages to build")->required();
    cmd.add_option("-o,--out-link", args->out_link,
                   "Out-link name (default result; result-<output> for other outputs)");
    cmd.add_flag("--no-link", args->no_link, "Do not create out-links (GC roots)");
    cmd.add_flag("--dry-run", args->dry_run, "Show what would be fetched and built");
    cmd.add_flag("--keep-going", args->keep_going, "Build what can be built after a failure");
    cmd.add_flag("--rebuild", args->rebuild, "Build even when the outputs are already valid");
    cmd.add_option("--progress", args->progress, "auto, bar, plain, json or none");
    return [args, &global, &session] {
        BuildSession build(session, args->attrpaths, args->progress, args->keep_going,
                           args->rebuild);
        if (args->dry_run) {
            return print_plan(build, *args, global.json);
        }
        std::vector<builder::Built> built;
        try {
            built = build.builder->build(build.targets(args->attrpaths));
        } catch (const Error& e) {
            if (global.json && args->keep_going) {
                print_json(errors_json(e)); // every failure, one entry each (docs/json.md)
            }
            throw;
        }
        nlohmann::json out = nlohmann::json::array();
        for (std::size_t i = 0; i < built.size(); ++i) {
            const auto& b = built[i];
            nlohmann::json outputs = nlohmann::json::object();
            for (const auto& [output, path] : b.outputs) {
                outputs[output] = path.string();
                if (!args->no_link) {
                    std::string link = args->out_link + (i > 0 ? fmt::format("-{}", i + 1) : "") +
                                       (output == "out" ? "" : "-" + output);
                    build.store.add_root(link, build.store.parse_path_argument(path));
                }
                if (!global.json) {
                    print_line(path.string());
                }
            }
            out.push_back({{"attrpath", b.attrpath}, {"outputs", outputs}, {"built", b.was_built}});
        }
        if (global.json) {
            print_json(out);
        }
        return 0;
    };
}

} // namespace cudapkgs::cli
