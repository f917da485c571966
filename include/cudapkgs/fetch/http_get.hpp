// SPDX-License-Identifier: Apache-2.0
// Small unverified documents (index pages, new manifests) and reachability probes: things
// whose hash is not known in advance, so Fetcher's verified downloads do not apply.
#pragma once

#include <cudapkgs/fetch/fetcher.hpp>

#include <chrono>
#include <cstddef>
#include <string>

namespace cudapkgs::fetch {

/// Downloads `url` (http, https or file) into memory, following redirects and retrying
/// transient failures as `options.retry` says. Offline, only file:// URLs are opened.
/// Throws Error{Fetch} naming the redacted URL, also when the body exceeds `max_bytes`.
std::string get_document(const std::string& url, const FetchOptions& options,
                         std::size_t max_bytes = 64u << 20);

/// What a reachability probe found.
struct ProbeResult {
    bool reachable = false; ///< a response came back (any HTTP status) or the file exists
    long status = 0;        ///< HTTP status (0 for file://)
    std::string message;    ///< "HTTP 200 OK", or why it failed
    std::chrono::milliseconds elapsed{0};
};

/// One HEAD request (no retries) with `timeout` for the whole exchange; for file:// whether
/// the path exists. Never throws for network failures; offline it refuses non-file URLs.
ProbeResult probe_url(const std::string& url, const FetchOptions& options,
                      std::chrono::milliseconds timeout);

} // namespace cudapkgs::fetch
