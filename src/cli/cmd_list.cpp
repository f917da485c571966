// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"
#include "context.hpp"
#include "output.hpp"

#include <fmt/ranges.h>

namespace cudapkgs::cli {

namespace {

std::string alias_chain(const pkgset::Catalog& catalog, const std::string& alias) {
    std::string chain = alias;
    std::string current = alias;
    for (int i = 0; i < 16 && catalog.find_set(current) == nullptr; ++i) {
        auto it = catalog.aliases().find(current);
        if (it == catalog.aliases().end()) {
            return chain + " -> (missing)";
        }
        current = it->second;
        chain += " -> " + current;
    }
    return chain;
}

int list_sets(EvalContext& ctx, bool json) {
    nlohmann::json sets = nlohmann::json::array();
    std::vector<std::string> lines;
    for (const auto& def : ctx.catalog->sets()) {
        const auto& set = ctx.evaluator->set_in(0, def.name);
        sets.push_back({{"name", def.name},
                        {"cudaVersion", def.cuda.str()},
                        {"manifests", set.manifest_versions()},
                        {"pinned", def.pinned},
                        {"packages", set.packages().size()}});
        std::vector<std::string> versions;
        for (const auto& [product, v] : set.manifest_versions()) {
            versions.push_back(product + " " + v);
        }
        lines.push_back(fmt::format("{:<20} CUDA {:<8} {:>4} packages  {}{}", def.name,
                                    def.cuda.str(), set.packages().size(),
                                    fmt::join(versions, ", "), def.pinned ? "" : "  (unpinned)"));
    }
    nlohmann::json aliases = nlohmann::json::object();
    for (const auto& [alias, target] : ctx.catalog->aliases()) {
        auto resolved = ctx.catalog->resolve_alias(alias);
        aliases[alias] = {{"target", target},
                          {"resolved", resolved ? nlohmann::json(*resolved) : nullptr}};
        lines.push_back("alias " + alias_chain(*ctx.catalog, alias));
    }
    if (json) {
        print_json({{"sets", sets}, {"aliases", aliases}});
    } else {
        for (const auto& l : lines) {
            print_line(l);
        }
    }
    return 0;
}

int list_packages(EvalContext& ctx, const std::string& setpath, bool json) {
    const auto& set = ctx.evaluator->resolve_set(setpath);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : set.packages()) {
        out.push_back({{"attr", p.attr},
                       {"pname", p.pname},
                       {"version", p.version},
                       {"outputs", p.outputs},
                       {"license", p.license.short_name},
                       {"available", p.available()},
                       {"unavailableReasons", p.unavailable_reasons}});
        if (!json) {
            print_line(fmt::format(
                "{:<28} {:<18} {:<34} {:<16} {}", p.attr, p.version,
                fmt::format("{}", fmt::join(p.outputs, ",")), p.license.short_name,
                p.available() ? "available" : "unavailable: " + p.unavailable_reasons[0]));
        }
    }
    if (json) {
        print_json(out);
    }
    return 0;
}

} // namespace

RunFn setup_list(CLI::App& cmd, Session& session) {
    const GlobalOptions& global = session.global();
    auto set = std::make_shared<std::string>();
    cmd.add_option("SET", *set, "A package set; without it, list the sets and aliases");
    return [set, &global, &session] {
        auto& ctx = session.eval();
        return set->empty() ? list_sets(ctx, global.json) : list_packages(ctx, *set, global.json);
    };
}

} // namespace cudapkgs::cli
