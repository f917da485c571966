// SPDX-License-Identifier: Apache-2.0
// Archives of file:// mirrors are verified and read where they lie: copying them into the
// store's download directory would cost a full read and write of every archive and keep a
// second copy on disk.
#include "part_file.hpp"

#include <cudapkgs/fetch/fetcher.hpp>
#include <cudapkgs/fetch/url.hpp>

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <memory>

namespace cudapkgs::fetch {

namespace {

/// The local path of a file:// URL (percent-decoded; host empty or localhost), or "".
std::string local_path(const std::string& url) {
    if (url_scheme(url) != "file") {
        return {};
    }
    std::unique_ptr<CURLU, void (*)(CURLU*)> handle(curl_url(), &curl_url_cleanup);
    if (!handle || curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
        return {};
    }
    char* host = nullptr;
    if (curl_url_get(handle.get(), CURLUPART_HOST, &host, 0) == CURLUE_OK && host != nullptr) {
        const std::string name = host;
        curl_free(host);
        if (!name.empty() && name != "localhost") {
            return {};
        }
    }
    char* path = nullptr;
    if (curl_url_get(handle.get(), CURLUPART_PATH, &path, CURLU_URLDECODE) != CURLUE_OK ||
        path == nullptr) {
        return {};
    }
    std::string out = path;
    curl_free(path);
    return out.find('\0') == std::string::npos && out.starts_with("/") ? out : std::string();
}

} // namespace

std::optional<LocalArchive> verify_in_place(const std::string& url, std::uint64_t size,
                                            const std::string& sha256) {
    const std::string path = local_path(url);
    if (path.empty()) {
        return std::nullopt;
    }
    auto stamp = verified_stamp(path, size, sha256);
    if (!stamp) {
        return std::nullopt;
    }
    spdlog::debug("{} verified in place", redact_url(url));
    return LocalArchive{path, *stamp};
}

} // namespace cudapkgs::fetch
