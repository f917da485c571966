// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/fetch/curl_handle.hpp>
#include <cudapkgs/fetch/http_get.hpp>
#include <cudapkgs/fetch/retry.hpp>
#include <cudapkgs/fetch/url.hpp>

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>
#include <thread>

namespace cudapkgs::fetch {

namespace {

struct Body {
    std::string data;
    std::size_t limit = 0;
    bool too_big = false;
};

std::size_t append_cb(char* ptr, std::size_t size, std::size_t nmemb, void* user) {
    auto* body = static_cast<Body*>(user);
    std::size_t n = size * nmemb;
    if (body->data.size() + n > body->limit) {
        body->too_big = true;
        return 0; // aborts the transfer
    }
    body->data.append(ptr, n);
    return n;
}

using EasyPtr = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

EasyPtr make_easy(const std::string& url, const FetchOptions& options) {
    EasyPtr easy(new_handle({options.offline ? "file" : "http,https,file",
                             options.offline ? "file" : "http,https", options}),
                 &curl_easy_cleanup);
    curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
    return easy;
}

Error offline_refusal(const SanitizedUrl& url) {
    return Error(
               ErrorKind::Fetch,
               fmt::format("cannot download {} in offline mode (network access is off)", url.str()))
        .add_note("run 'cudapkgs mirror sync --dest DIR' while online, then pass "
                  "--mirror file://DIR");
}

/// One attempt: the failure action and reason, or nullopt on success.
std::optional<std::pair<FailureAction, std::string>>
attempt(const SanitizedUrl& url, const FetchOptions& options, Body& body) {
    EasyPtr easy = make_easy(url.raw(), options);
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(easy.get(), CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, &append_cb);
    curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &body);
    CURLcode code = curl_easy_perform(easy.get());
    if (body.too_big) {
        return std::pair{FailureAction::Fatal, fmt::format("larger than {} bytes", body.limit)};
    }
    if (code != CURLE_OK) {
        std::string why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(code);
        return std::pair{classify_curl_code(static_cast<int>(code)), scrub_secrets(why, url.raw())};
    }
    long status = 0;
    curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
    if (status != 0 && status != 200) {
        return std::pair{classify_http_status(status), describe_http_status(status)};
    }
    return std::nullopt;
}

} // namespace

std::string get_document(const std::string& raw_url, const FetchOptions& options,
                         std::size_t max_bytes) {
    SanitizedUrl url(raw_url);
    if (options.offline && url.scheme() != "file") {
        throw offline_refusal(url);
    }
    for (int failed = 0;;) {
        Body body{{}, max_bytes, false};
        auto failure = attempt(url, options, body);
        if (!failure) {
            return std::move(body.data);
        }
        ++failed;
        if (failure->first != FailureAction::Retry || !options.retry.may_retry(failed)) {
            fail(ErrorKind::Fetch, "cannot download {}: {}", url.str(), failure->second);
        }
        auto wait = options.retry.delay_after(failed);
        spdlog::warn("{}: {}; retrying in {} ms", url.str(), failure->second, wait.count());
        std::this_thread::sleep_for(wait);
    }
}

ProbeResult probe_url(const std::string& raw_url, const FetchOptions& options,
                      std::chrono::milliseconds timeout) {
    SanitizedUrl url(raw_url);
    ProbeResult result;
    auto start = std::chrono::steady_clock::now();
    if (url.scheme() == "file") {
        std::string path = raw_url.substr(std::string_view("file://").size());
        std::error_code ec;
        result.reachable = std::filesystem::exists(path, ec);
        result.message = result.reachable ? "exists" : path + " does not exist";
        return result;
    }
    if (options.offline) {
        result.message = "not tried (offline)";
        return result;
    }
    EasyPtr easy = make_easy(url.raw(), options);
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(easy.get(), CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(easy.get(), CURLOPT_NOBODY, 1L);
    curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(easy.get(), CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
    CURLcode code = curl_easy_perform(easy.get());
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    if (code != CURLE_OK) {
        result.message =
            scrub_secrets(errbuf[0] != '\0' ? errbuf : curl_easy_strerror(code), url.raw());
        return result;
    }
    curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &result.status);
    result.reachable = true;
    result.message = describe_http_status(result.status);
    return result;
}

} // namespace cudapkgs::fetch
