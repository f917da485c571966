// SPDX-License-Identifier: Apache-2.0
#include "transports.hpp"

#include <cudapkgs/util/error.hpp>

namespace cudapkgs::cache {

std::string strip_credentials(const std::string& url) {
    auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) {
        return url;
    }
    auto host_start = scheme_end + 3;
    auto host_end = url.find_first_of("/?#", host_start);
    auto at = url.rfind('@', host_end == std::string::npos ? url.size() : host_end);
    if (at == std::string::npos || at < host_start) {
        return url;
    }
    return url.substr(0, host_start) + url.substr(at + 1);
}

std::unique_ptr<Transport> open_transport(const std::string& url,
                                          const fetch::FetchOptions& options) {
    std::string trimmed = url;
    while (trimmed.size() > 1 && trimmed.back() == '/') {
        trimmed.pop_back();
    }
    std::string scheme = fetch::url_scheme(trimmed);
    if (scheme.empty() && trimmed.starts_with("/")) {
        return std::make_unique<detail::FileTransport>(fetch::SanitizedUrl("file://" + trimmed),
                                                       trimmed);
    }
    if (scheme == "file") {
        std::string path = trimmed.substr(7); // after "file://"
        if (path.starts_with("localhost/")) {
            path = path.substr(9);
        }
        if (!path.starts_with("/")) {
            fail(ErrorKind::InvalidInput, "'{}' is not a file:///ABSOLUTE/DIR URL",
                 fetch::redact_url(url));
        }
        return std::make_unique<detail::FileTransport>(fetch::SanitizedUrl(trimmed), path);
    }
    if (scheme == "http" || scheme == "https") {
        if (options.offline) {
            fail(ErrorKind::Fetch, "cannot use the binary cache {} in offline mode",
                 fetch::redact_url(url));
        }
        return std::make_unique<detail::HttpTransport>(fetch::SanitizedUrl(trimmed), options);
    }
    Error error(ErrorKind::InvalidInput,
                fmt::format("unsupported binary cache URL '{}'", fetch::redact_url(url)));
    error.add_note("use file:///DIR, http://HOST/PATH or https://HOST/PATH");
    throw error;
}

} // namespace cudapkgs::cache
