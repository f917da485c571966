// SPDX-License-Identifier: Apache-2.0
// The one libcurl easy-handle configuration: allowed protocols, redirects, TLS verification,
// CA bundle, timeouts, user agent, no .netrc. The fetcher, the small GETs and probes of
// http_get.hpp and the binary cache's HTTP transport all take their handles from here.
#pragma once

#include <cudapkgs/fetch/fetcher.hpp>

#include <curl/curl.h>

#include <string>

namespace cudapkgs::fetch {

/// What differs between the users of a handle; everything else is fixed.
struct HandleOptions {
    /// What the request itself may use (CURLOPT_PROTOCOLS_STR), e.g. "http,https,file".
    std::string protocols = "http,https";
    /// Where a redirect may lead (CURLOPT_REDIR_PROTOCOLS_STR); empty: redirects are not
    /// followed.
    std::string redirect_protocols = "http,https";
    /// Connect timeout, low-speed limit and CA bundle (`--cacert`, CUDAPKGS_CA_BUNDLE).
    FetchOptions fetch;
};

/// Applies the settings to `easy`: NOSIGNAL, the protocols, at most 10 redirects (or none),
/// peer and host verification (never configurable), CAINFO when a bundle is set, connect and
/// low-speed timeouts, the cudapkgs user agent, and .netrc ignored. The caller adds the URL,
/// the callbacks and anything request-specific afterwards (a later setopt wins).
void configure_handle(CURL* easy, const HandleOptions& options);

/// curl_global_init, once per process (thread-safe); new_handle() calls it.
void init_libcurl();

/// init_libcurl(), then a new easy handle configured by configure_handle();
/// the caller owns it (curl_easy_cleanup). Throws Error{Internal} when libcurl cannot make one.
CURL* new_handle(const HandleOptions& options);

} // namespace cudapkgs::fetch
