// SPDX-License-Identifier: Apache-2.0
// The libcurl multi-interface fetcher (private to the fetch module; use make_fetcher()).
#pragma once

#include "transfer.hpp"

#include <cudapkgs/fetch/fetcher.hpp>

#include <random>
#include <string>

namespace cudapkgs::fetch {

class CurlFetcher final : public Fetcher {
  public:
    /// `protocols`: what libcurl may open ("http,https,file"; "file" when offline).
    CurlFetcher(FetchOptions options, std::string protocols);
    std::vector<Result> fetch_all(std::vector<Request> requests) override;

  private:
    /// Starts the next attempt of `t`, or finishes it without the network; true when a
    /// transfer was added to `multi`.
    bool start(Transfer& t, CURLM* multi);
    CURL* make_easy(Transfer& t);
    void on_done(Transfer& t, CURLcode code);
    void on_complete(Transfer& t);
    void on_failure(Transfer& t, FailureAction action, const std::string& reason);
    void on_mismatch(Transfer& t, const std::string& digest);
    void next_mirror(Transfer& t);
    void finish_ok(Transfer& t);
    void finish_failed(Transfer& t);
    std::chrono::milliseconds backoff(int failed_attempts);

    FetchOptions m_options;
    std::string m_protocols;
    std::mt19937 m_rng;
};

} // namespace cudapkgs::fetch
