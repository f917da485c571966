// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/fetch/retry.hpp>

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace cudapkgs::fetch {

std::chrono::milliseconds RetryPolicy::delay_after(int failed_attempt) const {
    double factor_power = std::pow(factor, std::max(0, failed_attempt - 1));
    double ms = static_cast<double>(base_delay.count()) * factor_power;
    double cap = static_cast<double>(max_delay.count());
    return std::chrono::milliseconds(static_cast<long long>(std::min(ms, cap)));
}

FailureAction classify_http_status(long status) {
    if (status >= 500 || status == 408 || status == 429) {
        return FailureAction::Retry; // server trouble or throttling: worth another try
    }
    return FailureAction::NextMirror; // 404, 403, 410, other 4xx: this URL will not work
}

FailureAction classify_curl_code(int code) {
    // A table rather than a switch over CURLcode, which -Werror=switch-enum would make list
    // all ~100 codes.
    static constexpr int kTransient[] = {
        CURLE_PARTIAL_FILE, // body shorter than Content-Length
        CURLE_RECV_ERROR,   // connection reset
        CURLE_SEND_ERROR,
        CURLE_OPERATION_TIMEDOUT, // connect or low-speed timeout
        CURLE_COULDNT_CONNECT,    CURLE_GOT_NOTHING, CURLE_HTTP2, CURLE_HTTP2_STREAM,
        CURLE_SSL_CONNECT_ERROR, // handshake cut off; certificate problems are not transient
    };
    static constexpr int kFatal[] = {CURLE_WRITE_ERROR, CURLE_OUT_OF_MEMORY};
    if (std::find(std::begin(kTransient), std::end(kTransient), code) != std::end(kTransient)) {
        return FailureAction::Retry;
    }
    if (std::find(std::begin(kFatal), std::end(kFatal), code) != std::end(kFatal)) {
        return FailureAction::Fatal;
    }
    // Unresolvable host, certificate rejected, refused redirect, missing file://…: the same
    // URL would fail the same way.
    return FailureAction::NextMirror;
}

std::string describe_http_status(long status) {
    const char* reason = "";
    switch (status) {
    case 400:
        reason = " Bad Request";
        break;
    case 401:
        reason = " Unauthorized";
        break;
    case 403:
        reason = " Forbidden";
        break;
    case 404:
        reason = " Not Found";
        break;
    case 408:
        reason = " Request Timeout";
        break;
    case 410:
        reason = " Gone";
        break;
    case 416:
        reason = " Range Not Satisfiable";
        break;
    case 429:
        reason = " Too Many Requests";
        break;
    case 500:
        reason = " Internal Server Error";
        break;
    case 502:
        reason = " Bad Gateway";
        break;
    case 503:
        reason = " Service Unavailable";
        break;
    case 504:
        reason = " Gateway Timeout";
        break;
    default:
        break;
    }
    return fmt::format("HTTP {}{}", status, reason);
}

} // namespace cudapkgs::fetch
