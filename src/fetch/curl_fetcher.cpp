// SPDX-License-Identifier: Apache-2.0
// The multi loop, libcurl handle setup and the callbacks that hash bytes as they arrive.
// What happens after each attempt lives in transfer.cpp.
#include "curl_fetcher.hpp"

#include <cudapkgs/fetch/curl_handle.hpp>
#include <cudapkgs/util/interrupt.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <thread>

namespace cudapkgs::fetch {

namespace {

constexpr auto kReportInterval = std::chrono::milliseconds(200);
constexpr auto kLockPollInterval = std::chrono::milliseconds(200);
constexpr auto kMaxPollWait = std::chrono::milliseconds(500);

} // namespace

bool check_response_status(Transfer& t) {
    t.status_checked = true;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &t.status);
    char* effective = nullptr;
    curl_easy_getinfo(t.easy, CURLINFO_EFFECTIVE_URL, &effective);
    std::string scheme = url_scheme(effective != nullptr ? effective : "");
    if (scheme != "http" && scheme != "https") {
        return true; // file:// has no status; libcurl itself honours the resume offset
    }
    if (t.status == 200) {
        if (t.offset > 0) {
            // The server ignored our Range header and sends the whole file: start over.
            spdlog::debug("{} ignored the range request; downloading from the start",
                          t.url().str());
            t.part->restart();
            t.offset = 0;
            t.result.resumed_from = 0;
        }
        return true;
    }
    if (t.status == 206) {
        if (t.range_start != t.offset) {
            t.abort = Abort::BadRange;
            return false;
        }
        return true;
    }
    t.abort = Abort::HttpStatus;
    return false;
}

namespace {

std::size_t write_cb(char* data, std::size_t size, std::size_t count, void* user) {
    auto& t = *static_cast<Transfer*>(user);
    std::size_t n = size * count;
    if (!t.status_checked && !check_response_status(t)) {
        return 0;
    }
    if (t.part->size() + n > t.request.size) {
        t.abort = Abort::Overrun; // stop at once instead of downloading an unbounded body
        return 0;
    }
    if (!t.part->append(data, n)) {
        t.abort = Abort::Disk;
        return 0;
    }
    t.attempt_bytes += n;
    t.result.bytes_transferred += n;
    auto now = Clock::now();
    if (t.request.progress && now - t.last_report >= kReportInterval) {
        t.last_report = now;
        try {
            t.emit(ProgressPhase::Progress);
        } catch (...) {
            t.callback_error = std::current_exception();
            t.abort = Abort::Callback;
            return 0;
        }
    }
    return n;
}

/// Records where a 206 response starts (`Content-Range: bytes N-M/T`), per response.
std::size_t header_cb(char* data, std::size_t size, std::size_t count, void* user) {
    auto& t = *static_cast<Transfer*>(user);
    std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
        t.range_start.reset(); // a new response (after a redirect)
    }
    constexpr std::string_view kName = "content-range:";
    if (line.size() > kName.size() &&
        std::equal(kName.begin(), kName.end(), line.begin(), [](char a, char b) {
            return a == std::tolower(static_cast<unsigned char>(b));
        })) {
        std::string_view value = line.substr(kName.size());
        std::size_t digits = value.find_first_of("0123456789");
        if (value.find("bytes") != std::string_view::npos && digits != std::string_view::npos) {
            std::uint64_t start = 0;
            for (std::size_t i = digits;
                 i < value.size() && std::isdigit(static_cast<unsigned char>(value[i])); ++i) {
                start = start * 10 + static_cast<std::uint64_t>(value[i] - '0');
            }
            t.range_start = start;
        }
    }
    return size * count;
}

/// Redirects may only keep or upgrade the protocol: never from https to http.
const char* redirect_protocols(const Transfer& t) {
    return url_scheme(t.url().raw()) == "https" ? "https" : "http,https";
}

} // namespace

void Transfer::emit(ProgressPhase phase, std::string message) {
    if (!request.progress) {
        return;
    }
    ProgressEvent event;
    event.phase = phase;
    event.name = request.name;
    event.url = urls.empty() ? std::string() : url().str();
    event.done = phase == ProgressPhase::Finished ? request.size : (part ? part->size() : 0);
    event.total = request.size;
    double seconds = std::chrono::duration<double>(Clock::now() - attempt_start).count();
    event.rate = seconds > 0 ? static_cast<double>(attempt_bytes) / seconds : 0;
    event.message = std::move(message);
    request.progress(event);
}

CurlFetcher::CurlFetcher(FetchOptions options, std::string protocols)
    : m_options(std::move(options)), m_protocols(std::move(protocols)),
      m_rng(std::random_device{}()) {
    init_libcurl();
}

CURL* CurlFetcher::make_easy(Transfer& t) {
    CURL* easy = new_handle({m_protocols, redirect_protocols(t), m_options});
    curl_easy_setopt(easy, CURLOPT_URL, t.url().raw().c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &write_cb);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &header_cb);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t.errbuf);
    if (t.offset > 0) {
        // CURLOPT_RANGE rather than RESUME_FROM: libcurl then hands us a 200 (a server that
        // ignores ranges) instead of failing, and check_response_status() restarts from zero.
        t.range_header = fmt::format("{}-", t.offset);
        curl_easy_setopt(easy, CURLOPT_RANGE, t.range_header.c_str());
    }
    return easy;
}

bool CurlFetcher::start(Transfer& t, CURLM* multi) {
    if (!t.part) {
        if (file_matches(t.request.dest, t.request.size, t.request.sha256)) {
            t.result.already_present = true;
            finish_ok(t);
            return false;
        }
        t.part = std::make_unique<PartFile>(t.request.dest);
    }
    if (!t.locked) {
        if (!t.part->open_locked()) {
            spdlog::debug("{} is being downloaded by another process; waiting",
                          t.request.dest.string());
            t.not_before = Clock::now() + kLockPollInterval;
            t.part.reset(); // next time, first look whether the other process finished
            return false;
        }
        t.locked = true;
        // The process we waited for may have renamed its verified file into place just
        // before we created a fresh part file.
        if (file_matches(t.request.dest, t.request.size, t.request.sha256)) {
            t.part->discard();
            t.result.already_present = true;
            finish_ok(t);
            return false;
        }
    }
    t.offset = t.part->resume(t.request.size);
    if (t.offset == t.request.size) {
        on_complete(t); // a complete .part from an earlier run: verify it, no network
        return false;
    }
    t.result.resumed_from = t.offset;
    t.status_checked = false;
    t.abort = Abort::None;
    t.status = 0;
    t.range_start.reset();
    t.errbuf[0] = '\0';
    t.attempt_bytes = 0;
    t.attempt_start = Clock::now();
    t.last_report = t.attempt_start;
    t.easy = make_easy(t);
    curl_multi_add_handle(multi, t.easy);
    t.active = true;
    ++t.result.attempts;
    spdlog::debug("fetching {}{}", t.url().str(),
                  t.offset > 0 ? fmt::format(" from byte {}", t.offset) : std::string());
    t.emit(ProgressPhase::Started);
    return true;
}

std::chrono::milliseconds CurlFetcher::backoff(int failed_attempts) {
    auto base = m_options.retry.delay_after(failed_attempts);
    // Up to 20% jitter, so parallel clients hit by the same outage do not retry in lockstep.
    std::uniform_int_distribution<long long> jitter(0, base.count() / 5);
    return base + std::chrono::milliseconds(jitter(m_rng));
}

std::vector<Result> CurlFetcher::fetch_all(std::vector<Request> requests) {
    std::vector<std::unique_ptr<Transfer>> transfers;
    for (auto& request : requests) {
        auto t = std::make_unique<Transfer>();
        if (request.name.empty()) {
            request.name = request.dest.filename().string();
        }
        for (const auto& url : request.urls) {
            t->urls.emplace_back(url);
        }
        t->result.dest = request.dest;
        t->request = std::move(request);
        if (t->urls.empty()) {
            t->result.error =
                Error(ErrorKind::Fetch, fmt::format("no URL to download {} from", t->request.name));
            t->done = true;
        }
        transfers.push_back(std::move(t));
    }

    CURLM* multi = curl_multi_init();
    struct MultiGuard {
        CURLM* multi;
        std::vector<std::unique_ptr<Transfer>>& transfers;
        ~MultiGuard() {
            for (auto& t : transfers) {
                if (t->easy != nullptr) {
                    curl_multi_remove_handle(multi, t->easy);
                    curl_easy_cleanup(t->easy);
                    t->easy = nullptr;
                }
            }
            curl_multi_cleanup(multi);
        }
    } guard{multi, transfers};

    int jobs = std::max(1, m_options.jobs);
    int active = 0;
    for (;;) {
        // A safe point: the handles are removed by the guard, `.part` files stay for a resume.
        util::check_interrupt();
        auto now = Clock::now();
        auto wake = now + kMaxPollWait;
        bool pending = false;
        for (auto& t : transfers) {
            if (t->done || t->active) {
                continue;
            }
            if (active < jobs && t->not_before <= now && start(*t, multi)) {
                ++active;
            }
            if (!t->done && !t->active) {
                pending = true;
                wake = std::min(wake, t->not_before);
            }
        }
        if (active == 0 && !pending) {
            break;
        }
        int running = 0;
        curl_multi_perform(multi, &running);
        int queued = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
            if (msg->msg != CURLMSG_DONE) {
                continue;
            }
            Transfer* t = nullptr;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
            CURLcode code = msg->data.result;
            curl_multi_remove_handle(multi, msg->easy_handle);
            t->active = false;
            --active;
            on_done(*t, code);   // may rethrow a progress callback's exception
            wake = Clock::now(); // a retry or the next request may start at once
        }
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake - Clock::now());
        wait = std::clamp(wait, std::chrono::milliseconds(0), kMaxPollWait);
        if (active > 0) {
            curl_multi_poll(multi, nullptr, 0, static_cast<int>(wait.count()), nullptr);
        } else if (wait.count() > 0) {
            std::this_thread::sleep_for(wait);
        }
    }

    std::vector<Result> results;
    results.reserve(transfers.size());
    for (auto& t : transfers) {
        results.push_back(std::move(t->result));
    }
    return results;
}

} // namespace cudapkgs::fetch
