// SPDX-License-Identifier: Apache-2.0
// One request's state across attempts and mirrors (private to the fetch module).
#pragma once

#include "part_file.hpp"

#include <cudapkgs/fetch/fetcher.hpp>
#include <cudapkgs/fetch/url.hpp>

#include <curl/curl.h>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cudapkgs::fetch {

using Clock = std::chrono::steady_clock;

/// Why our own callbacks stopped a transfer.
enum class Abort { None, Overrun, Disk, HttpStatus, BadRange, Callback };

struct Transfer {
    Request request;
    std::vector<SanitizedUrl> urls;
    Result result;

    std::size_t mirror = 0;         ///< index into urls
    int failed_attempts = 0;        ///< on the current URL
    bool fresh_retry_used = false;  ///< a mismatch after resuming earns one retry from zero
    std::vector<std::string> notes; ///< "url: why it failed", one per abandoned URL
    std::optional<Error> integrity_error;
    bool tls_failed = false; ///< a certificate was rejected: the error suggests --cacert

    std::unique_ptr<PartFile> part;
    bool locked = false;
    CURL* easy = nullptr;
    bool active = false;
    bool done = false;
    Clock::time_point not_before{};

    // Per attempt.
    std::uint64_t offset = 0; ///< bytes on disk when the attempt started
    bool status_checked = false;
    Abort abort = Abort::None;
    long status = 0;
    std::optional<std::uint64_t> range_start;
    std::string range_header; ///< CURLOPT_RANGE value; must outlive the transfer
    std::exception_ptr callback_error;
    Clock::time_point attempt_start{};
    Clock::time_point last_report{};
    std::uint64_t attempt_bytes = 0;
    char errbuf[CURL_ERROR_SIZE] = {};

    const SanitizedUrl& url() const { return urls[mirror]; }
    /// Calls the request's progress callback, if any.
    void emit(ProgressPhase phase, std::string message = {});
};

/// Checks the response status before the first body byte is stored (or at the end of an
/// empty body): 200 restarts a resumed download, 206 must start at our offset, anything else
/// (for http and https) aborts the attempt. Always true for file://.
bool check_response_status(Transfer& t);

} // namespace cudapkgs::fetch
