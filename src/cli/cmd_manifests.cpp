// SPDX-License-Identifier: Apache-2.0
// `cudapkgs manifests update [--product P...] [--since VERSION] [--dest DIR]`.
#include "commands.hpp"
#include "context.hpp"
#include "fetch_setup.hpp"
#include "output.hpp"

#include <cudapkgs/fetch/url.hpp>
#include <cudapkgs/manifest/mirror_layout.hpp>
#include <cudapkgs/mirror/sync.hpp>
#include <cudapkgs/mirror/update.hpp>
#include <cudapkgs/util/error.hpp>

namespace cudapkgs::cli {

namespace {

struct UpdateArgs {
    std::vector<std::string> products;
    std::string since;
    std::string dest;
};

nlohmann::json to_json(const mirror::UpdateReport& report, const std::string& dest,
                       const std::string& mirror) {
    nlohmann::json added = nlohmann::json::array();
    for (const auto& a : report.added) {
        added.push_back({{"product", a.product},
                         {"version", a.version},
                         {"path", a.path},
                         {"url", a.url},
                         {"sha256", a.sha256},
                         {"size", a.size}});
    }
    nlohmann::json products = nlohmann::json::array();
    for (const auto& p : report.products) {
        nlohmann::json j = {{"product", p.product}, {"available", p.versions}};
        if (!p.note.empty()) {
            j["skipped"] = p.note;
        }
        products.push_back(j);
    }
    return {{"dest", dest},
            {"mirror", fetch::redact_url(mirror)},
            {"added", added},
            {"products", products}};
}

int run_update(const UpdateArgs& args, const GlobalOptions& global) {
    mirror::UpdateOptions options;
    options.products = args.products;
    if (!args.since.empty()) {
        options.since = args.since;
    }
    options.dest =
        args.dest.empty() ? manifest_dirs(global).front() : std::filesystem::path(args.dest);
    options.mirror = manifest::mirrors_or_default(mirrors_of(global)).front();
    options.fetch = fetch_options_of(global);

    mirror::UpdateReport report = mirror::update_manifests(options);
    if (global.json) {
        print_json(to_json(report, options.dest.string(), options.mirror));
        return 0;
    }
    for (const auto& a : report.added) {
        print_line(fmt::format("added {} {} ({})", a.product, a.version, a.path));
    }
    if (report.added.empty()) {
        print_line(fmt::format("{} is up to date", options.dest.string()));
    }
    return 0;
}

} // namespace

RunFn setup_manifests(CLI::App& cmd, Session& session) {
    const GlobalOptions& global = session.global();
    auto args = std::make_shared<UpdateArgs>();
    cmd.require_subcommand(1);
    CLI::App* update = cmd.add_subcommand(
        "update", "Download new redistrib manifests listed on the first mirror's index pages");
    update
        ->add_option("--product", args->products,
                     "cuda, cudnn, ... (repeatable; default: those in the destination)")
        ->delimiter(',');
    update->add_option("--since", args->since, "Only versions at or above this one");
    update->add_option("--dest", args->dest,
                       "Manifests directory (default: the first manifests directory)");
    update->footer("\nExample:\n  cudapkgs manifests update --product cuda --since 12.8 "
                   "--dest ./manifests\n");
    return [args, &global] { return run_update(*args, global); };
}

} // namespace cudapkgs::cli
