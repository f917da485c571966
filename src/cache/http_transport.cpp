// SPDX-License-Identifier: Apache-2.0
// The HTTP transport: small GET/HEAD requests, PUT to a temporary name, then WebDAV MOVE.
#include "transports.hpp"

#include <cudapkgs/fetch/curl_handle.hpp>
#include <cudapkgs/fetch/retry.hpp>
#include <cudapkgs/util/error.hpp>

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <random>
#include <thread>

namespace cudapkgs::cache::detail {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxBody = std::size_t{1} << 20;

struct EasyFree {
    void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct SlistFree {
    void operator()(curl_slist* s) const noexcept { curl_slist_free_all(s); }
};
struct FileClose {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
    auto& body = *static_cast<std::string*>(user);
    std::size_t n = size * count;
    if (body.size() + n > kMaxBody) {
        return 0; // metadata is small; refuse an unbounded answer
    }
    body.append(data, n);
    return n;
}

std::string random_suffix() {
    static thread_local std::mt19937_64 rng(std::random_device{}());
    return fmt::format("{:016x}", rng());
}

} // namespace

/// One request: method, URL, optional upload file and extra headers.
struct HttpTransport::Call {
    std::string method; ///< GET, HEAD, PUT, MOVE, DELETE
    fetch::SanitizedUrl url;
    fs::path upload;
    std::vector<std::string> headers;
};

HttpTransport::HttpTransport(fetch::SanitizedUrl url, fetch::FetchOptions options)
    : m_url(std::move(url)), m_options(std::move(options)) {
    fetch::init_libcurl();
}

std::string HttpTransport::join(const std::string& rel) const {
    return m_url.raw() + "/" + rel;
}

HttpResponse HttpTransport::perform_once(Call& call, std::string& error) {
    // Redirects are followed for reads only: a PUT or MOVE goes where it was sent.
    const bool read = call.method == "GET" || call.method == "HEAD";
    std::unique_ptr<CURL, EasyFree> easy(
        fetch::new_handle({"http,https", read ? "http,https" : "", m_options}));
    CURL* c = easy.get();
    HttpResponse response;
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(c, CURLOPT_URL, call.url.raw().c_str());
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
    std::unique_ptr<std::FILE, FileClose> file;
    if (call.method == "HEAD") {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (call.method == "PUT") {
        file.reset(std::fopen(call.upload.c_str(), "rb"));
        if (!file) {
            fail(ErrorKind::Internal, "cannot open {} for upload", call.upload.string());
        }
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READDATA, file.get());
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
                         static_cast<curl_off_t>(fs::file_size(call.upload)));
    } else if (call.method != "GET") {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    }
    std::unique_ptr<curl_slist, SlistFree> headers;
    for (const auto& h : call.headers) {
        headers.reset(curl_slist_append(headers.release(), h.c_str()));
    }
    if (call.method == "PUT") {
        headers.reset(curl_slist_append(headers.release(), "Expect:"));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        error = fetch::scrub_secrets(errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc),
                                     call.url.raw());
        response.status = -static_cast<long>(rc);
        return response;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
}

HttpResponse HttpTransport::request(Call& call) {
    for (int attempt = 1;; ++attempt) {
        std::string error;
        HttpResponse r = perform_once(call, error);
        fetch::FailureAction action = fetch::FailureAction::Fatal;
        if (r.status < 0) {
            action = fetch::classify_curl_code(static_cast<int>(-r.status));
        } else if (r.status >= 500) {
            action = fetch::FailureAction::Retry;
            error = fetch::describe_http_status(r.status);
        } else {
            return r; // an answer the caller interprets (2xx, 404, 412, …)
        }
        if (action != fetch::FailureAction::Retry || !m_options.retry.may_retry(attempt)) {
            fail(ErrorKind::Fetch, "{} {}: {}", call.method, call.url.str(), error);
        }
        auto delay = m_options.retry.delay_after(attempt);
        spdlog::debug("{} {} failed ({}); retrying in {} ms", call.method, call.url.str(), error,
                      delay.count());
        std::this_thread::sleep_for(delay);
    }
}

std::optional<std::string> HttpTransport::get_text(const std::string& rel) {
    Call call{"GET", fetch::SanitizedUrl(join(rel)), {}, {}};
    HttpResponse r = request(call);
    if (r.status == 404 || r.status == 410) {
        return std::nullopt;
    }
    if (r.status != 200) {
        fail(ErrorKind::Fetch, "GET {}: {}", call.url.str(), fetch::describe_http_status(r.status));
    }
    return std::move(r.body);
}

bool HttpTransport::exists(const std::string& rel) {
    Call call{"HEAD", fetch::SanitizedUrl(join(rel)), {}, {}};
    HttpResponse r = request(call);
    if (r.status == 404 || r.status == 410) {
        return false;
    }
    if (r.status >= 200 && r.status < 300) {
        return true;
    }
    fail(ErrorKind::Fetch, "HEAD {}: {}", call.url.str(), fetch::describe_http_status(r.status));
}

bool HttpTransport::put_file(const std::string& rel, const fs::path& local) {
    auto slash = rel.rfind('/');
    std::string dir = slash == std::string::npos ? "" : rel.substr(0, slash + 1);
    std::string base = slash == std::string::npos ? rel : rel.substr(slash + 1);
    std::string tmp_rel = dir + ".tmp-" + random_suffix() + "-" + base;
    Call put{"PUT", fetch::SanitizedUrl(join(tmp_rel)), local, {}};
    HttpResponse r = request(put);
    if (r.status != 200 && r.status != 201 && r.status != 204) {
        fail(ErrorKind::Fetch, "PUT {}: {}", put.url.str(), fetch::describe_http_status(r.status));
    }
    // MOVE to the final name without overwriting: readers never see a partial file, and an
    // entry someone else uploaded first stays as it is.
    Call move{
        "MOVE", put.url, {}, {"Destination: " + strip_credentials(join(rel)), "Overwrite: F"}};
    HttpResponse m = request(move);
    if (m.status == 201 || m.status == 204) {
        return true;
    }
    Call del{"DELETE", put.url, {}, {}};
    try {
        request(del);
    } catch (const Error& e) {
        spdlog::warn("could not remove the temporary upload {}: {}", put.url.str(), e.what());
    }
    if (m.status == 412) {
        return false; // already there
    }
    Error error(ErrorKind::Fetch,
                fmt::format("MOVE {}: {}", put.url.str(), fetch::describe_http_status(m.status)));
    error.add_note("the server must support WebDAV MOVE (nginx: dav_methods PUT DELETE MOVE;)");
    throw error;
}

fs::path HttpTransport::get_archive(const CacheInfo& info, const fs::path& scratch) {
    fetch::Request req;
    req.urls = {join(info.archive_path())};
    req.sha256 = info.archive_sha256;
    req.size = info.archive_size;
    req.dest = scratch / "archive.tar.zst";
    req.name = info.store_path.to_string();
    auto results = fetch::make_fetcher(m_options)->fetch_all({req});
    fetch::throw_first_error(results);
    return req.dest;
}

} // namespace cudapkgs::cache::detail
