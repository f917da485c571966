// SPDX-License-Identifier: Apache-2.0
#include "fetch_setup.hpp"

#include <spdlog/spdlog.h>

namespace cudapkgs::cli {

fetch::FetchOptions fetch_options_of(const GlobalOptions& global) {
    fetch::FetchOptions options;
    options.ca_bundle = global.cacert;
    options.offline = global.offline;
    if (global.jobs > 0) {
        options.jobs = global.jobs;
    }
    options.load_env();
    return options;
}

std::unique_ptr<fetch::ProgressRenderer> progress_renderer_of(const GlobalOptions& global,
                                                              const std::string& style) {
    return std::make_unique<fetch::ProgressRenderer>(
        global.quiet ? fetch::ProgressStyle::None : fetch::parse_progress_style(style, stderr));
}

cache::SubstituterConfig substituter_config_of(const GlobalOptions& global,
                                               const config::Config& config) {
    std::optional<bool> require;
    if (global.require_sigs) {
        require = true;
    } else if (global.no_require_sigs) {
        require = false;
    }
    auto out = cache::make_substituter_config(config, global.substituters, require,
                                              fetch_options_of(global));
    if (!out.require_sigs && !out.urls.empty()) {
        spdlog::warn("signatures are not required: binary cache entries without a trusted "
                     "signature will be accepted");
    }
    return out;
}

} // namespace cudapkgs::cli
