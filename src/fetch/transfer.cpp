// SPDX-License-Identifier: Apache-2.0
// What happens after each attempt: verify and commit, retry with backoff, try the next mirror,
// or give up with an error naming every URL tried.
#include "curl_fetcher.hpp"

#include <spdlog/spdlog.h>

#include <cstring>

namespace cudapkgs::fetch {

namespace {

std::string curl_reason(const Transfer& t, CURLcode code) {
    std::string text = t.errbuf[0] != '\0' ? std::string(t.errbuf) : curl_easy_strerror(code);
    return scrub_secrets(text, t.url().raw());
}

/// A redirect that libcurl refused because of CURLOPT_REDIR_PROTOCOLS_STR, described.
std::optional<std::string> refused_redirect(const Transfer& t, CURLcode code) {
    if (code != CURLE_UNSUPPORTED_PROTOCOL) {
        return std::nullopt;
    }
    char* target = nullptr;
    curl_easy_getinfo(t.easy, CURLINFO_EFFECTIVE_URL, &target);
    if (target == nullptr || url_scheme(target) == url_scheme(t.url().raw())) {
        char* redirect = nullptr;
        curl_easy_getinfo(t.easy, CURLINFO_REDIRECT_URL, &redirect);
        target = redirect;
    }
    if (target == nullptr || url_scheme(target) == url_scheme(t.url().raw())) {
        return std::nullopt;
    }
    return fmt::format("refused redirect from {} to {} (a download may not leave https)",
                       url_scheme(t.url().raw()), scrub_secrets(redact_url(target), t.url().raw()));
}

std::string describe_size(std::uint64_t size) {
    return fmt::format("{} bytes", size);
}

} // namespace

void CurlFetcher::on_done(Transfer& t, CURLcode code) {
    if (code == CURLE_OK && !t.status_checked && !check_response_status(t)) {
        code = CURLE_WRITE_ERROR; // an empty body with an error status
    }
    std::optional<std::string> redirect = refused_redirect(t, code);
    std::string reason = curl_reason(t, code);
    curl_easy_cleanup(t.easy);
    t.easy = nullptr;
    if (t.callback_error) {
        std::rethrow_exception(t.callback_error);
    }
    if (code == CURLE_OK) {
        on_complete(t);
        return;
    }
    switch (t.abort) {
    case Abort::Overrun:
        t.integrity_error = t.integrity_error.value_or(
            Error(ErrorKind::Integrity, fmt::format("size mismatch for {}", t.url().str()))
                .add_note(fmt::format("expected sha256:{}, {}", t.request.sha256,
                                      describe_size(t.request.size)))
                .add_note(fmt::format("got      more than {} (download stopped)",
                                      describe_size(t.request.size))));
        t.notes.push_back(fmt::format("{}: sent more than the expected {}", t.url().str(),
                                      describe_size(t.request.size)));
        t.part->restart();
        next_mirror(t);
        return;
    case Abort::Disk:
        t.notes.push_back(fmt::format("{}: cannot write {}: {}", t.url().str(),
                                      t.part->path().string(),
                                      std::strerror(t.part->last_errno())));
        t.mirror = t.urls.size() - 1; // the disk will not get better with another mirror
        next_mirror(t);
        return;
    case Abort::HttpStatus:
        if (t.status == 416) { // our offset is past the server's file: start over
            t.part->restart();
            on_failure(t, FailureAction::Retry, describe_http_status(t.status));
            return;
        }
        on_failure(t, classify_http_status(t.status), describe_http_status(t.status));
        return;
    case Abort::BadRange:
        t.part->restart();
        on_failure(t, FailureAction::Retry, "the server answered a range request wrongly");
        return;
    case Abort::Callback:
    case Abort::None:
        break;
    }
    if (redirect) {
        on_failure(t, FailureAction::NextMirror, *redirect);
        return;
    }
    if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE) {
        t.tls_failed = true;
    }
    FailureAction action = classify_curl_code(code);
    on_failure(t, action == FailureAction::Fatal ? FailureAction::NextMirror : action, reason);
}

void CurlFetcher::on_complete(Transfer& t) {
    std::uint64_t got = t.part->size();
    std::string digest = t.part->digest_hex();
    if (got == t.request.size && digest == t.request.sha256) {
        try {
            t.part->commit();
        } catch (const Error& e) {
            t.result.error = e;
            t.part->discard();
            t.done = true;
            t.emit(ProgressPhase::Failed, e.what());
            return;
        }
        t.result.url = t.url().str();
        finish_ok(t);
        return;
    }
    if (t.offset > 0 && !t.fresh_retry_used) {
        // The bytes kept from an earlier attempt may be the culprit: one more try from zero.
        t.fresh_retry_used = true;
        t.part->restart();
        t.not_before = Clock::now();
        t.emit(ProgressPhase::Retrying, "verification failed after resuming; starting over");
        spdlog::debug("{}: verification failed after resuming; downloading again from the start",
                      t.url().str());
        return;
    }
    if (!t.integrity_error) {
        t.integrity_error =
            Error(ErrorKind::Integrity,
                  fmt::format("{} mismatch for {}", got == t.request.size ? "hash" : "size",
                              t.url().str()));
        t.integrity_error->add_note(
            fmt::format("expected sha256:{}, {}", t.request.sha256, describe_size(t.request.size)));
        t.integrity_error->add_note(
            fmt::format("got      sha256:{}, {}", digest, describe_size(got)));
    }
    t.notes.push_back(fmt::format("{}: sha256:{} ({}) does not match", t.url().str(), digest,
                                  describe_size(got)));
    t.part->restart();
    next_mirror(t);
}

void CurlFetcher::on_failure(Transfer& t, FailureAction action, const std::string& reason) {
    ++t.failed_attempts;
    if (action == FailureAction::Retry && m_options.retry.may_retry(t.failed_attempts)) {
        auto delay = backoff(t.failed_attempts);
        t.not_before = Clock::now() + delay;
        std::string message = fmt::format("{}; retrying in {:.1f} s (attempt {} of {})", reason,
                                          static_cast<double>(delay.count()) / 1000.0,
                                          t.failed_attempts + 1, m_options.retry.max_attempts);
        spdlog::debug("{}: {}", t.url().str(), message);
        t.emit(ProgressPhase::Retrying, message);
        return;
    }
    std::string note = fmt::format("{}: {}", t.url().str(), reason);
    if (t.failed_attempts > 1) {
        note += fmt::format(" (after {} attempts)", t.failed_attempts);
    }
    t.notes.push_back(std::move(note));
    next_mirror(t);
}

void CurlFetcher::next_mirror(Transfer& t) {
    ++t.mirror;
    t.failed_attempts = 0;
    t.fresh_retry_used = false;
    if (t.mirror >= t.urls.size()) {
        t.mirror = t.urls.size() - 1; // keep url() valid for the error
        finish_failed(t);
        return;
    }
    t.not_before = Clock::now();
    spdlog::debug("{}: trying the next mirror, {}", t.request.name, t.url().str());
    t.emit(ProgressPhase::Retrying, fmt::format("trying the next mirror, {}", t.url().str()));
}

void CurlFetcher::finish_ok(Transfer& t) {
    t.done = true;
    t.emit(ProgressPhase::Finished);
    t.part.reset();
}

void CurlFetcher::finish_failed(Transfer& t) {
    t.done = true;
    if (t.integrity_error) {
        // Wrong bytes anywhere is an integrity failure (exit 5), and nothing may stay behind.
        Error error = *t.integrity_error;
        if (t.urls.size() > 1) {
            for (const auto& note : t.notes) {
                error.add_note("tried " + note);
            }
        }
        t.part->discard();
        t.result.error = std::move(error);
    } else {
        Error error(ErrorKind::Fetch, fmt::format("cannot download {}: {}", t.request.name,
                                                  t.urls.size() == 1 ? "the download failed"
                                                                     : "every mirror failed"));
        for (const auto& note : t.notes) {
            error.add_note(note);
        }
        if (t.tls_failed) {
            error.add_note("for a mirror with a private certificate authority, pass --cacert FILE "
                           "or set CUDAPKGS_CA_BUNDLE (verification cannot be turned off)");
        }
        if (t.part && t.part->size() > 0) {
            error.add_note(fmt::format("the {} already downloaded stay in {} and are resumed "
                                       "next time",
                                       describe_size(t.part->size()), t.part->path().string()));
        } else if (t.part) {
            t.part->discard();
        }
        t.result.error = std::move(error);
    }
    t.emit(ProgressPhase::Failed, t.result.error->what());
    t.part.reset();
}

} // namespace cudapkgs::fetch
