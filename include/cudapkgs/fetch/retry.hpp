// SPDX-License-Identifier: Apache-2.0
// What to do after a failed download attempt, and how long to wait before the next one.
#pragma once

#include <chrono>
#include <string>

namespace cudapkgs::fetch {

/// The fetcher's reaction to one failed attempt.
enum class FailureAction {
    Retry,      ///< transient (5xx, reset, timeout, truncated body): same URL after a backoff
    NextMirror, ///< this URL will not work (404, 403, TLS failure, refused redirect)
    Fatal,      ///< nothing another URL could fix (local disk error)
};

/// Retry schedule: attempt n (1-based) that failed waits base·factor^(n-1), capped at max_delay.
struct RetryPolicy {
    int max_attempts = 4; ///< attempts per URL, the first included
    std::chrono::milliseconds base_delay{1000};
    double factor = 2.0;
    std::chrono::milliseconds max_delay{30000};

    /// The wait after the `failed_attempt`-th attempt (1-based) failed, without jitter.
    std::chrono::milliseconds delay_after(int failed_attempt) const;
    /// True when another attempt on the same URL is allowed after `failed_attempt` attempts.
    bool may_retry(int failed_attempts) const { return failed_attempts < max_attempts; }
};

/// Classifies an HTTP status of a finished response (200/206 are not failures).
FailureAction classify_http_status(long status);

/// Classifies a libcurl result code (CURLcode as int) of a failed transfer.
FailureAction classify_curl_code(int code);

/// A short human description of an HTTP status, e.g. "HTTP 404 Not Found".
std::string describe_http_status(long status);

} // namespace cudapkgs::fetch
