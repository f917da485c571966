// SPDX-License-Identifier: Apache-2.0
// Verified downloads: mirrors tried in order, retries, resume, size and sha256 checked as bytes
// arrive, and an atomic rename into place.
#pragma once

#include <cudapkgs/fetch/retry.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file_stamp.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cudapkgs::fetch {

/// What a progress event reports.
enum class ProgressPhase {
    Started,  ///< an attempt began (done = bytes already on disk from a resumed .part)
    Progress, ///< bytes arrived (at most about 5 events a second per download)
    Retrying, ///< an attempt failed; `message` says why and when the next one starts
    Finished, ///< the file was verified and renamed into place
    Failed,   ///< every URL failed; the error follows from fetch_all
};

/// What a progress event is about.
enum class ProgressKind {
    Fetch,  ///< a download (or a file:// archive verified in place)
    Unpack, ///< `build` extracting an archive; done/total count its compressed bytes
};

/// One progress report. `url` is always redacted; `rate` is bytes per second of this attempt.
struct ProgressEvent {
    ProgressKind kind = ProgressKind::Fetch;
    ProgressPhase phase = ProgressPhase::Progress;
    std::string name; ///< the request's label (archive file name by default)
    std::string url;
    std::uint64_t done = 0;
    std::uint64_t total = 0;
    double rate = 0;
    std::string message;
};

/// Called from the thread that runs fetch_all, never concurrently.
using ProgressFn = std::function<void(const ProgressEvent&)>;

/// One file to download.
struct Request {
    std::vector<std::string> urls; ///< candidates, tried in order (mirror fallback)
    std::string sha256;            ///< expected digest, lower-case hex
    std::uint64_t size = 0;        ///< expected size in bytes
    std::filesystem::path dest;    ///< final path; bytes go to `<dest>.part` first
    std::string name;              ///< label for messages; default: the file name of dest
    ProgressFn progress;           ///< optional
};

/// What happened to one request.
struct Result {
    std::filesystem::path dest;
    std::string url;                     ///< redacted URL that delivered the file ("" if none)
    std::uint64_t bytes_transferred = 0; ///< bytes received over the wire in this run
    std::uint64_t resumed_from = 0;      ///< bytes reused from an existing .part
    int attempts = 0;                    ///< transfers started, over all URLs
    bool already_present = false;        ///< dest already existed with the right size and hash
    std::optional<Error> error;          ///< set when the request failed (Fetch or Integrity)
};

/// Tuning of the network side; defaults suit NVIDIA's server, tests shrink them through env.
struct FetchOptions {
    int jobs = 4; ///< parallel transfers
    RetryPolicy retry;
    std::chrono::seconds connect_timeout{30};
    long low_speed_limit = 1024;             ///< bytes/s …
    std::chrono::seconds low_speed_time{60}; ///< … below which for this long = timeout
    std::string ca_bundle;                   ///< PEM file replacing the system CAs
    bool offline = false;                    ///< only file:// URLs, never a socket

    /// Fills unset fields from the environment: CUDAPKGS_CA_BUNDLE, CUDAPKGS_FETCH_RETRIES,
    /// CUDAPKGS_FETCH_BACKOFF_MS, CUDAPKGS_CONNECT_TIMEOUT, CUDAPKGS_LOW_SPEED_LIMIT,
    /// CUDAPKGS_LOW_SPEED_TIME; throws Error{InvalidInput} on a malformed value.
    void load_env();
};

/// Downloads verified files.
class Fetcher {
  public:
    virtual ~Fetcher() = default;
    /// Runs every request (in parallel up to `jobs`); never throws for a failed request, whose
    /// Result carries the error (Fetch: exit 4, Integrity: exit 5) instead.
    virtual std::vector<Result> fetch_all(std::vector<Request> requests) = 0;
};

/// The libcurl fetcher, or the offline one when `options.offline`.
std::unique_ptr<Fetcher> make_fetcher(const FetchOptions& options);

/// A file:// URL's archive, verified where it lies rather than copied into the store.
struct LocalArchive {
    std::filesystem::path path;
    util::FileStamp stamp; ///< as verified; readers check the file still has it
};

/// When `url` is a file:// URL naming a regular file of `size` bytes and SHA-256 `sha256`,
/// that file (read once to hash it); otherwise nullopt, and the caller fetches as usual, which
/// reports a missing or different file properly.
std::optional<LocalArchive> verify_in_place(const std::string& url, std::uint64_t size,
                                            const std::string& sha256);

/// The error to report first of several (not empty): the first Integrity error, else the
/// first one.
const Error& most_serious(const std::vector<Error>& errors);

/// Throws the first failed result's error (Integrity before Fetch), if any.
void throw_first_error(const std::vector<Result>& results);

} // namespace cudapkgs::fetch
