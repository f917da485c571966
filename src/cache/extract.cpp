// SPDX-License-Identifier: Apache-2.0
#include "extract.hpp"

#include <cudapkgs/unpack/unpacker.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/hash.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

namespace cudapkgs::cache::detail {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kChunk = std::size_t{1} << 20;

/// Reads the archive in chunks, hashing and counting every byte, bounded by the signed size.
class HashingReader {
  public:
    HashingReader(const fs::path& file, std::uint64_t limit, std::string what)
        : m_fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC)), m_limit(limit), m_what(std::move(what)),
          m_buffer(kChunk) {
        if (m_fd < 0) {
            fail(ErrorKind::Fetch, "cannot open {}: {}", m_what, std::strerror(errno));
        }
        ::posix_fadvise(m_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    ~HashingReader() { ::close(m_fd); }
    HashingReader(const HashingReader&) = delete;
    HashingReader& operator=(const HashingReader&) = delete;

    std::span<const std::byte> next() {
        ssize_t n = 0;
        do {
            n = ::read(m_fd, m_buffer.data(), m_buffer.size());
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            fail(ErrorKind::Fetch, "cannot read {}: {}", m_what, std::strerror(errno));
        }
        m_size += static_cast<std::uint64_t>(n);
        if (m_size > m_limit) {
            fail(ErrorKind::Integrity, "{} is larger than its signed ArchiveSize {}", m_what,
                 m_limit);
        }
        auto bytes = std::span<const std::uint8_t>(m_buffer.data(), static_cast<std::size_t>(n));
        m_sha.update(bytes);
        return std::as_bytes(bytes);
    }
    /// Reads what the unpacker left (tar padding after the end marker, say), then finishes.
    std::pair<std::string, std::uint64_t> finish() {
        while (!next().empty()) {
        }
        return {m_sha.finish_hex(), m_size};
    }

  private:
    int m_fd;
    std::uint64_t m_limit;
    std::string m_what;
    std::vector<std::uint8_t> m_buffer;
    util::Sha256 m_sha;
    std::uint64_t m_size = 0;
};

} // namespace

void extract_verified(const fs::path& archive, const CacheInfo& info, const fs::path& dest,
                      std::string_view source) {
    const std::string what =
        fmt::format("{} of {} from {}", info.archive_path(), info.store_path.to_string(), source);
    HashingReader reader(archive, info.archive_size, what);
    unpack::Options options;
    options.roots = {dest};
    options.strip_top_directory = false;
    options.max_unpacked_bytes = info.size; // the signed size bounds a decompression bomb
    options.threaded_xz = false;
    try {
        unpack::unpack_stream(
            what, [&reader] { return reader.next(); }, unpack::route_into(dest), options);
    } catch (Error& e) {
        if (e.kind() == ErrorKind::Internal) {
            throw;
        }
        // A corrupt stream is a tampered or truncated archive, whatever libarchive called it.
        Error error(ErrorKind::Integrity, e.what());
        for (const auto& note : e.notes()) {
            error.add_note(note);
        }
        throw error;
    }
    auto [sha, size] = reader.finish();
    if (size != info.archive_size) {
        fail(ErrorKind::Integrity, "{} has {} bytes, but its signed ArchiveSize is {}", what, size,
             info.archive_size);
    }
    if (sha != info.archive_sha256) {
        Error error(ErrorKind::Integrity, fmt::format("hash mismatch for {}", what));
        error.add_note("expected sha256:" + info.archive_sha256);
        error.add_note("got      sha256:" + sha);
        throw error;
    }
}

} // namespace cudapkgs::cache::detail
