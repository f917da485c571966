// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/fetch/retry.hpp>

#include <catch2/catch.hpp>
#include <curl/curl.h>

using namespace cudapkgs::fetch;
using std::chrono::milliseconds;

TEST_CASE("backoff doubles and is capped", "[fetch]") {
    RetryPolicy policy;
    policy.base_delay = milliseconds(200);
    policy.max_delay = milliseconds(1000);
    CHECK(policy.delay_after(1) == milliseconds(200));
    CHECK(policy.delay_after(2) == milliseconds(400));
    CHECK(policy.delay_after(3) == milliseconds(800));
    CHECK(policy.delay_after(4) == milliseconds(1000));
    CHECK(policy.delay_after(40) == milliseconds(1000));
}

TEST_CASE("max_attempts counts the first attempt", "[fetch]") {
    RetryPolicy policy;
    policy.max_attempts = 4;
    CHECK(policy.may_retry(1));
    CHECK(policy.may_retry(3));
    CHECK_FALSE(policy.may_retry(4));
    policy.max_attempts = 1;
    CHECK_FALSE(policy.may_retry(1));
}

TEST_CASE("HTTP statuses: 5xx and throttling retry, other errors move on", "[fetch]") {
    CHECK(classify_http_status(500) == FailureAction::Retry);
    CHECK(classify_http_status(503) == FailureAction::Retry);
    CHECK(classify_http_status(429) == FailureAction::Retry);
    CHECK(classify_http_status(408) == FailureAction::Retry);
    CHECK(classify_http_status(404) == FailureAction::NextMirror);
    CHECK(classify_http_status(403) == FailureAction::NextMirror);
    CHECK(classify_http_status(410) == FailureAction::NextMirror);
    CHECK(describe_http_status(404) == "HTTP 404 Not Found");
    CHECK(describe_http_status(599) == "HTTP 599");
}

TEST_CASE("libcurl results: transient ones retry, TLS and protocol refusals do not", "[fetch]") {
    CHECK(classify_curl_code(CURLE_PARTIAL_FILE) == FailureAction::Retry);
    CHECK(classify_curl_code(CURLE_RECV_ERROR) == FailureAction::Retry);
    CHECK(classify_curl_code(CURLE_OPERATION_TIMEDOUT) == FailureAction::Retry);
    CHECK(classify_curl_code(CURLE_COULDNT_CONNECT) == FailureAction::Retry);
    CHECK(classify_curl_code(CURLE_PEER_FAILED_VERIFICATION) == FailureAction::NextMirror);
    CHECK(classify_curl_code(CURLE_UNSUPPORTED_PROTOCOL) == FailureAction::NextMirror);
    CHECK(classify_curl_code(CURLE_COULDNT_RESOLVE_HOST) == FailureAction::NextMirror);
    CHECK(classify_curl_code(CURLE_FILE_COULDNT_READ_FILE) == FailureAction::NextMirror);
    CHECK(classify_curl_code(CURLE_WRITE_ERROR) == FailureAction::Fatal);
}
