// SPDX-License-Identifier: Apache-2.0
// Where a binary cache lives: a directory (`file://`) or a WebDAV-capable HTTP server.
#pragma once

#include <cudapkgs/cache/cache_info.hpp>
#include <cudapkgs/fetch/fetcher.hpp>
#include <cudapkgs/fetch/url.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace cudapkgs::cache {

/// Reads and writes files of one cache, by paths relative to its root (`archives/x.tar.zst`).
class Transport {
  public:
    virtual ~Transport() = default;
    /// The cache URL (credentials redacted in str()).
    virtual const fetch::SanitizedUrl& url() const = 0;
    /// A small file's contents (at most 1 MiB), or nullopt when the cache does not have it;
    /// throws Error{Fetch} when the cache cannot be asked.
    virtual std::optional<std::string> get_text(const std::string& rel) = 0;
    /// True when the cache has `rel`; throws Error{Fetch} when it cannot be asked.
    virtual bool exists(const std::string& rel) = 0;
    /// Stores `local` as `rel` atomically (temporary name, then a rename/MOVE that never
    /// replaces an existing file). Returns false when `rel` was already there. Throws
    /// Error{Fetch} (HTTP) or Error{Internal} (local I/O) on failure.
    virtual bool put_file(const std::string& rel, const std::filesystem::path& local) = 0;
    /// A local file holding the archive of `info`: the cache's own file for `file://`
    /// (not yet verified: the reader checks size and sha256), or a download into `scratch`
    /// verified as it arrived. Throws Error{Fetch} or Error{Integrity}.
    virtual std::filesystem::path get_archive(const CacheInfo& info,
                                              const std::filesystem::path& scratch) = 0;
};

/// Opens `file:///DIR` (or a plain absolute directory) or `http(s)://…`; throws
/// Error{InvalidInput} for other schemes. `options` tunes HTTP (CA bundle, timeouts, retries).
std::unique_ptr<Transport> open_transport(const std::string& url,
                                          const fetch::FetchOptions& options = {});

/// A URL without its user:password@ part (for WebDAV Destination headers).
std::string strip_credentials(const std::string& url);

} // namespace cudapkgs::cache
