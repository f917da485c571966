// SPDX-License-Identifier: Apache-2.0
// make_fetcher(), the offline fetcher, and options from the environment.
#include "curl_fetcher.hpp"

#include <cudapkgs/fetch/fetcher.hpp>

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace cudapkgs::fetch {

namespace {

/// Reads a non-negative integer from the environment into `out`; throws on garbage.
void env_number(const char* name, long long& out) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        return;
    }
    std::string_view text(value);
    long long parsed = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (ec != std::errc() || ptr != text.data() + text.size() || parsed < 0) {
        fail(ErrorKind::InvalidInput, "environment variable {}='{}' is not a non-negative integer",
             name, text);
    }
    out = parsed;
}

/// Never opens a socket: requests keep only their file:// URLs, and libcurl itself is
/// restricted to the file protocol.
class OfflineFetcher final : public Fetcher {
  public:
    explicit OfflineFetcher(const FetchOptions& options) : m_inner(options, "file") {}

    std::vector<Result> fetch_all(std::vector<Request> requests) override {
        std::vector<Result> results(requests.size());
        std::vector<Request> local;
        std::vector<std::size_t> local_index;
        for (std::size_t i = 0; i < requests.size(); ++i) {
            Request& r = requests[i];
            if (r.name.empty()) {
                r.name = r.dest.filename().string();
            }
            std::vector<std::string> files;
            for (const auto& url : r.urls) {
                if (url_scheme(url) == "file") {
                    files.push_back(url);
                }
            }
            if (files.empty()) {
                results[i].dest = r.dest;
                results[i].error = offline_error(r);
                continue;
            }
            r.urls = std::move(files);
            local.push_back(std::move(r));
            local_index.push_back(i);
        }
        std::vector<Result> fetched = m_inner.fetch_all(std::move(local));
        for (std::size_t j = 0; j < fetched.size(); ++j) {
            results[local_index[j]] = std::move(fetched[j]);
        }
        return results;
    }

  private:
    static Error offline_error(const Request& r) {
        Error error(
            ErrorKind::Fetch,
            fmt::format("cannot download {} in offline mode: no file:// mirror has it", r.name));
        for (const auto& url : r.urls) {
            error.add_note(fmt::format("not tried (network access is off): {}", redact_url(url)));
        }
        error.add_note("run 'cudapkgs mirror sync --dest DIR' while online, then pass "
                       "--mirror file://DIR");
        return error;
    }

    CurlFetcher m_inner;
};

} // namespace

void FetchOptions::load_env() {
    if (ca_bundle.empty()) {
        if (const char* ca = std::getenv("CUDAPKGS_CA_BUNDLE"); ca != nullptr) {
            ca_bundle = ca;
        }
    }
    long long value = retry.max_attempts;
    env_number("CUDAPKGS_FETCH_RETRIES", value);
    retry.max_attempts = static_cast<int>(std::max(1LL, value));
    value = retry.base_delay.count();
    env_number("CUDAPKGS_FETCH_BACKOFF_MS", value);
    retry.base_delay = std::chrono::milliseconds(value);
    value = connect_timeout.count();
    env_number("CUDAPKGS_CONNECT_TIMEOUT", value);
    connect_timeout = std::chrono::seconds(std::max(1LL, value));
    value = low_speed_limit;
    env_number("CUDAPKGS_LOW_SPEED_LIMIT", value);
    low_speed_limit = static_cast<long>(value);
    value = low_speed_time.count();
    env_number("CUDAPKGS_LOW_SPEED_TIME", value);
    low_speed_time = std::chrono::seconds(std::max(1LL, value));
}

std::unique_ptr<Fetcher> make_fetcher(const FetchOptions& options) {
    if (options.offline) {
        return std::make_unique<OfflineFetcher>(options);
    }
    return std::make_unique<CurlFetcher>(options, "http,https,file");
}

const Error& most_serious(const std::vector<Error>& errors) {
    auto integrity = std::find_if(errors.begin(), errors.end(),
                                  [](const Error& e) { return e.kind() == ErrorKind::Integrity; });
    return integrity != errors.end() ? *integrity : errors.front();
}

void throw_first_error(const std::vector<Result>& results) {
    std::vector<Error> errors;
    for (const auto& r : results) {
        if (r.error) {
            errors.push_back(*r.error);
        }
    }
    if (!errors.empty()) {
        throw most_serious(errors);
    }
}

} // namespace cudapkgs::fetch
