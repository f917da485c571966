// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/fetch/curl_handle.hpp>
#include <cudapkgs/util/error.hpp>

#include <mutex>

namespace cudapkgs::fetch {

void configure_handle(CURL* easy, const HandleOptions& options) {
    const FetchOptions& f = options.fetch;
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, options.protocols.c_str());
    if (!options.redirect_protocols.empty()) {
        curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, options.redirect_protocols.c_str());
    }
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L); // never configurable
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!f.ca_bundle.empty()) {
        curl_easy_setopt(easy, CURLOPT_CAINFO, f.ca_bundle.c_str());
    }
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(f.connect_timeout.count() * 1000));
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, f.low_speed_limit);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(f.low_speed_time.count()));
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "cudapkgs/" CUDAPKGS_VERSION);
    curl_easy_setopt(easy, CURLOPT_NETRC, static_cast<long>(CURL_NETRC_IGNORED));
}

void init_libcurl() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CURL* new_handle(const HandleOptions& options) {
    init_libcurl();
    CURL* easy = curl_easy_init();
    if (easy == nullptr) {
        fail(ErrorKind::Internal, "cannot create a libcurl handle");
    }
    configure_handle(easy, options);
    return easy;
}

} // namespace cudapkgs::fetch
