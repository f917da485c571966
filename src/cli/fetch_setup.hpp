// SPDX-License-Identifier: Apache-2.0
// Network settings from the global options: fetch options, the progress display and the
// binary caches, for every command that downloads.
#pragma once

#include "options.hpp"

#include <cudapkgs/cache/substitute.hpp>
#include <cudapkgs/config/config.hpp>
#include <cudapkgs/fetch/fetcher.hpp>
#include <cudapkgs/fetch/progress.hpp>

#include <memory>
#include <string>

namespace cudapkgs::cli {

/// Fetch options from --cacert, --offline and the CUDAPKGS_* environment.
fetch::FetchOptions fetch_options_of(const GlobalOptions& global);

/// The progress display a `--progress` value asks for (`auto`, `bar`, `plain`, `json`,
/// `none`); nothing with --quiet. Throws Error{Usage} for another value.
std::unique_ptr<fetch::ProgressRenderer> progress_renderer_of(const GlobalOptions& global,
                                                              const std::string& style);

/// Substituters (--substituter first, then config `substituters`), trusted keys and
/// require-sigs (--require-sigs/--no-require-sigs over config); warns once when signatures
/// are not required. Throws Error{InvalidInput} for a malformed trusted key.
cache::SubstituterConfig substituter_config_of(const GlobalOptions& global,
                                               const config::Config& config);

} // namespace cudapkgs::cli
