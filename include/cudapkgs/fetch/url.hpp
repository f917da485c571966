// SPDX-License-Identifier: Apache-2.0
// URLs as the fetcher sees them: the raw form goes to libcurl, the redacted form everywhere else.
#pragma once

#include <string>
#include <string_view>

namespace cudapkgs::fetch {

/// Replaces credentials in a URL (`user:pass@` → `***@`) and the values of query parameters
/// (`?token=abc` → `?token=***`), so the result is safe for logs and error messages.
std::string redact_url(std::string_view url);

/// The lower-case scheme of a URL (`https`, `file`, …), or "" when it has none.
std::string url_scheme(std::string_view url);

/// Removes every secret of `url` (user, password, query values) from `text`, e.g. a libcurl
/// error message that might echo part of the URL.
std::string scrub_secrets(std::string_view text, std::string_view url);

/// A URL whose credentials never leak: `str()` is redacted, `raw()` is for libcurl only.
class SanitizedUrl {
  public:
    explicit SanitizedUrl(std::string url) : m_raw(std::move(url)), m_redacted(redact_url(m_raw)) {}

    /// The URL as given, credentials included; pass only to the transfer library.
    const std::string& raw() const noexcept { return m_raw; }
    /// The URL with credentials and query values replaced by `***`.
    const std::string& str() const noexcept { return m_redacted; }
    std::string scheme() const { return url_scheme(m_raw); }

  private:
    std::string m_raw;
    std::string m_redacted;
};

} // namespace cudapkgs::fetch
