// SPDX-License-Identifier: Apache-2.0
#include "build_support.hpp"

#include "fetch_setup.hpp"

#include <cudapkgs/util/error.hpp>

#include <spdlog/spdlog.h>

#include <thread>

namespace cudapkgs::cli {

BuildSession::BuildSession(Session& session, const std::vector<std::string>& attrpaths,
                           const std::string& progress, bool keep_going, bool rebuild)
    : eval(session.eval(attrpaths)), store(session.store()) {
    const GlobalOptions& global = session.global();
    renderer = progress_renderer_of(global, progress);
    builder::BuildOptions options;
    options.mirrors = eval.mirrors;
    options.fetch = fetch_options_of(global);
    const int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    options.jobs = global.jobs > 0 ? global.jobs : cpus;
    options.fetch.jobs = std::max(options.jobs, 4);
    options.keep_going = keep_going;
    options.rebuild = rebuild;
    if (!eval.config.driver_lib_dir.empty()) {
        options.driver_lib_dir = eval.config.driver_lib_dir;
    }
    options.substituters = substituter_config_of(global, eval.config);
    options.progress = renderer->callback();
    const bool quiet = global.quiet;
    options.log = [quiet](const std::string& line) {
        if (!quiet) {
            spdlog::info("{}", line);
        }
    };
    fetcher = fetch::make_fetcher(options.fetch);
    builder = std::make_unique<builder::Builder>(store, *eval.evaluator, options, *fetcher,
                                                 toolchain::spawn_runner());
}

std::vector<builder::Target> BuildSession::targets(const std::vector<std::string>& attrpaths) {
    std::vector<builder::Target> out;
    for (const auto& path : attrpaths) {
        auto resolved = eval.evaluator->resolve_package(path);
        out.push_back({resolved.set, resolved.package, resolved.attrpath});
    }
    return out;
}

} // namespace cudapkgs::cli
