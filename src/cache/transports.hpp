// SPDX-License-Identifier: Apache-2.0
// The two Transport implementations (module-private).
#pragma once

#include <cudapkgs/cache/transport.hpp>

#include <string_view>

namespace cudapkgs::cache::detail {

/// A cache in a local directory.
class FileTransport final : public Transport {
  public:
    FileTransport(fetch::SanitizedUrl url, std::filesystem::path root);
    const fetch::SanitizedUrl& url() const override { return m_url; }
    std::optional<std::string> get_text(const std::string& rel) override;
    bool exists(const std::string& rel) override;
    bool put_file(const std::string& rel, const std::filesystem::path& local) override;
    std::filesystem::path get_archive(const CacheInfo& info,
                                      const std::filesystem::path& scratch) override;

  private:
    fetch::SanitizedUrl m_url;
    std::filesystem::path m_root;
};

/// The answer to one HTTP request.
struct HttpResponse {
    long status = 0;
    std::string body;
};

/// A cache on an HTTP server: GET/HEAD to read, PUT + WebDAV MOVE (`Overwrite: F`) to write.
class HttpTransport final : public Transport {
  public:
    HttpTransport(fetch::SanitizedUrl url, fetch::FetchOptions options);
    const fetch::SanitizedUrl& url() const override { return m_url; }
    std::optional<std::string> get_text(const std::string& rel) override;
    bool exists(const std::string& rel) override;
    bool put_file(const std::string& rel, const std::filesystem::path& local) override;
    std::filesystem::path get_archive(const CacheInfo& info,
                                      const std::filesystem::path& scratch) override;

  private:
    struct Call;
    /// Runs one request with retries on transient failures; throws Error{Fetch} when every
    /// attempt failed without an HTTP answer or with a retryable one.
    HttpResponse request(Call& call);
    HttpResponse perform_once(Call& call, std::string& error);
    std::string join(const std::string& rel) const;

    fetch::SanitizedUrl m_url;
    fetch::FetchOptions m_options;
};

} // namespace cudapkgs::cache::detail
