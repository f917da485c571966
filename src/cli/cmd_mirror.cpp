// SPDX-License-Identifier: Apache-2.0
// `cudapkgs mirror sync --set SET [--package P...] [--platform ...] --dest DIR`.
#include "commands.hpp"
#include "context.hpp"
#include "fetch_setup.hpp"
#include "output.hpp"

#include <cudapkgs/fetch/progress.hpp>
#include <cudapkgs/manifest/mirror_layout.hpp>
#include <cudapkgs/mirror/sync.hpp>
#include <cudapkgs/util/error.hpp>

#include <fmt/ranges.h>

namespace cudapkgs::cli {

namespace {

struct SyncArgs {
    std::vector<std::string> sets;
    std::vector<std::string> packages;
    std::vector<std::string> platforms;
    std::string dest;
    std::string progress = "auto";
};

std::string host_platform(const GlobalOptions& global) {
    std::string system = system_of(global);
    return system.starts_with("aarch64") ? "linux-sbsa" : "linux-x86_64";
}

mirror::SyncPlan make_plan(const SyncArgs& args, Session& session,
                           const std::vector<std::string>& platforms) {
    const GlobalOptions& global = session.global();
    session.check_frozen(); // each platform below gets an evaluator of its own
    mirror::SyncPlan plan;
    for (const auto& platform : platforms) {
        GlobalOptions g = global;
        g.system = mirror::system_for_platform(platform);
        auto ctx = make_eval_context(g);
        for (const auto& set : args.sets) {
            mirror::add_set_to_plan(plan, *ctx.evaluator, set, args.packages);
        }
    }
    return plan;
}

nlohmann::json to_json(const mirror::SyncedFile& f) {
    nlohmann::json j = {{"path", f.path},
                        {"status", f.status},
                        {"size", f.size},
                        {"bytesTransferred", f.bytes_transferred}};
    if (!f.url.empty()) {
        j["url"] = f.url;
    }
    if (f.resumed_from > 0) {
        j["resumedFrom"] = f.resumed_from;
    }
    if (!f.error.empty()) {
        j["error"] = f.error;
    }
    return j;
}

void print_report(const mirror::SyncPlan& plan, const mirror::SyncReport& report,
                  const SyncArgs& args, const std::vector<std::string>& platforms, bool json) {
    std::map<std::string, std::uint64_t> counts;
    std::uint64_t bytes = 0;
    nlohmann::json manifests = nlohmann::json::array();
    nlohmann::json archives = nlohmann::json::array();
    for (const auto& f : report.manifests) {
        counts[f.status]++;
        manifests.push_back(to_json(f));
    }
    for (const auto& f : report.archives) {
        counts[f.status]++;
        bytes += f.bytes_transferred;
        archives.push_back(to_json(f));
    }
    nlohmann::json skipped = nlohmann::json::array();
    for (const auto& s : plan.skipped) {
        skipped.push_back({{"package", s.package}, {"platform", s.platform}, {"reason", s.reason}});
    }
    if (json) {
        print_json({{"dest", args.dest},
                    {"sets", args.sets},
                    {"platforms", platforms},
                    {"manifests", manifests},
                    {"archives", archives},
                    {"skipped", skipped},
                    {"summary",
                     {{"copied", counts["copied"]},
                      {"downloaded", counts["downloaded"]},
                      {"present", counts["present"]},
                      {"failed", counts["failed"]},
                      {"bytesTransferred", bytes}}}});
        return;
    }
    for (const auto& s : plan.skipped) {
        print_line(fmt::format("skipped {} ({}): {}", s.package, s.platform, s.reason));
    }
    print_line(fmt::format("{}: {} manifests, {} archives: {} downloaded ({}), {} copied, {} "
                           "already present, {} failed",
                           args.dest, report.manifests.size(), report.archives.size(),
                           counts["downloaded"], fetch::format_bytes(static_cast<double>(bytes)),
                           counts["copied"], counts["present"], counts["failed"]));
}

int run_sync(const SyncArgs& args, Session& session) {
    const GlobalOptions& global = session.global();
    std::vector<std::string> platforms = args.platforms;
    if (platforms.empty()) {
        platforms.push_back(host_platform(global));
    }
    mirror::SyncPlan plan = make_plan(args, session, platforms);

    const fetch::FetchOptions options = fetch_options_of(global);
    std::vector<std::string> mirrors = manifest::mirrors_or_default(mirrors_of(global));
    auto renderer = progress_renderer_of(global, args.progress);
    auto fetcher = fetch::make_fetcher(options);
    mirror::SyncReport report =
        mirror::run_sync(plan, args.dest, mirrors, *fetcher, renderer->callback());
    print_report(plan, report, args, platforms, global.json);
    if (!report.errors.empty()) {
        Error error = fetch::most_serious(report.errors);
        if (report.errors.size() > 1) {
            error.add_note(fmt::format("{} of {} archives failed", report.errors.size(),
                                       report.archives.size()));
        }
        throw error;
    }
    return 0;
}

} // namespace

RunFn setup_mirror(CLI::App& cmd, Session& session) {
    auto args = std::make_shared<SyncArgs>();
    cmd.require_subcommand(1);
    CLI::App* sync = cmd.add_subcommand(
        "sync", "Copy the manifests and archives of package sets into an NVIDIA-style redist "
                "tree");
    sync->add_option("--set", args->sets, "Package set (repeatable), e.g. cudaPackages_12_8")
        ->required()
        ->delimiter(',');
    sync->add_option("--package", args->packages,
                     "Only these packages and their dependencies (repeatable; default: all)")
        ->delimiter(',');
    sync->add_option("--platform", args->platforms,
                     "linux-x86_64, linux-sbsa (comma-separated; default: the host's)")
        ->delimiter(',');
    sync->add_option("--dest", args->dest, "Destination directory")->required();
    sync->add_option("--progress", args->progress, "auto, bar, plain, json or none")
        ->capture_default_str();
    sync->footer("\nExample:\n  cudapkgs mirror sync --set cudaPackages_12_8 --package cudnn "
                 "--dest /srv/cuda-mirror\n");
    return [args, &session] { return run_sync(*args, session); };
}

} // namespace cudapkgs::cli
