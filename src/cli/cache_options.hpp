// SPDX-License-Identifier: Apache-2.0
// Binary cache settings from the global options and config, for `cache` and the builder.
#pragma once

#include "options.hpp"

#include <cudapkgs/cache/substitute.hpp>
#include <cudapkgs/config/config.hpp>
#include <cudapkgs/fetch/fetcher.hpp>

namespace cudapkgs::cli {

/// Fetch options from --cacert, --offline and the CUDAPKGS_* environment.
fetch::FetchOptions fetch_options_of(const GlobalOptions& global);

/// Substituters (--substituter first, then config `substituters`), trusted keys and
/// require-sigs (--require-sigs/--no-require-sigs over config); warns once when signatures
/// are not required. Throws Error{InvalidInput} for a malformed trusted key.
cache::SubstituterConfig substituter_config_of(const GlobalOptions& global,
                                               const config::Config& config);

} // namespace cudapkgs::cli
