// SPDX-License-Identifier: Apache-2.0
#include "extract.hpp"

#include <cudapkgs/unpack/unpacker.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/hash.hpp>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <thread>
#include <unistd.h>
#include <vector>

namespace cudapkgs::cache::detail {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kChunk = std::size_t{1} << 20;
constexpr std::size_t kChunks = 4;

/// Reads the archive in chunks on a thread of its own, hashing and counting every byte
/// (bounded by the signed size) while the caller decompresses the chunks before.
class HashingReader {
  public:
    HashingReader(const fs::path& file, std::uint64_t limit, std::string what)
        : m_fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC)), m_limit(limit),
          m_what(std::move(what)) {
        if (m_fd < 0) {
            fail(ErrorKind::Fetch, "cannot open {}: {}", m_what, std::strerror(errno));
        }
        ::posix_fadvise(m_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        for (std::size_t i = 0; i < kChunks; ++i) {
            m_free.push_back(Chunk{std::make_unique<std::uint8_t[]>(kChunk), 0});
        }
        m_thread = std::thread([this] { produce(); });
    }
    ~HashingReader() {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_cv.notify_all();
        m_thread.join();
        ::close(m_fd);
    }
    HashingReader(const HashingReader&) = delete;
    HashingReader& operator=(const HashingReader&) = delete;

    /// The next chunk (valid until the next call), empty at the end; rethrows read errors.
    std::span<const std::byte> next() {
        std::unique_lock lock(m_mutex);
        if (m_current.data) {
            m_free.push_back(std::move(m_current));
            m_current = {};
            m_cv.notify_all();
        }
        m_cv.wait(lock, [this] { return !m_ready.empty() || m_done; });
        if (m_ready.empty()) {
            if (m_error) {
                std::rethrow_exception(m_error);
            }
            return {};
        }
        m_current = std::move(m_ready.front());
        m_ready.pop_front();
        return std::as_bytes(std::span<const std::uint8_t>(m_current.data.get(), m_current.size));
    }

    /// Reads what the unpacker left (tar padding after the end marker, say), then returns
    /// the digest and byte count.
    std::pair<std::string, std::uint64_t> finish() {
        while (!next().empty()) {
        }
        std::lock_guard lock(m_mutex); // m_done was set under it after the last update
        return {m_sha.finish_hex(), m_size};
    }

  private:
    struct Chunk {
        std::unique_ptr<std::uint8_t[]> data;
        std::size_t size = 0;
    };

    void produce() {
        try {
            while (true) {
                Chunk chunk;
                {
                    std::unique_lock lock(m_mutex);
                    m_cv.wait(lock, [this] { return !m_free.empty() || m_stop; });
                    if (m_stop) {
                        return;
                    }
                    chunk = std::move(m_free.back());
                    m_free.pop_back();
                }
                chunk.size = read_chunk(chunk.data.get());
                std::lock_guard lock(m_mutex);
                if (chunk.size == 0) {
                    m_done = true;
                    m_cv.notify_all();
                    return;
                }
                m_ready.push_back(std::move(chunk));
                m_cv.notify_all();
            }
        } catch (...) {
            std::lock_guard lock(m_mutex);
            m_error = std::current_exception();
            m_done = true;
            m_cv.notify_all();
        }
    }

    std::size_t read_chunk(std::uint8_t* buffer) {
        ssize_t n = 0;
        do {
            n = ::read(m_fd, buffer, kChunk);
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            fail(ErrorKind::Fetch, "cannot read {}: {}", m_what, std::strerror(errno));
        }
        m_size += static_cast<std::uint64_t>(n);
        if (m_size > m_limit) {
            fail(ErrorKind::Integrity, "{} is larger than its signed ArchiveSize {}", m_what,
                 m_limit);
        }
        m_sha.update(std::span<const std::uint8_t>(buffer, static_cast<std::size_t>(n)));
        return static_cast<std::size_t>(n);
    }

    int m_fd;
    std::uint64_t m_limit;
    std::string m_what;
    util::Sha256 m_sha;       ///< producer only until m_done
    std::uint64_t m_size = 0; ///< producer only until m_done
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::vector<Chunk> m_free;
    std::deque<Chunk> m_ready;
    Chunk m_current;
    bool m_done = false;
    bool m_stop = false;
    std::exception_ptr m_error;
    std::thread m_thread; ///< last: started once everything above exists
};

} // namespace

store::KnownDigests extract_verified(const fs::path& archive, const CacheInfo& info,
                                     const fs::path& dest, std::string_view source) {
    const std::string what =
        fmt::format("{} of {} from {}", info.archive_path(), info.store_path.to_string(), source);
    HashingReader reader(archive, info.archive_size, what);
    unpack::Options options;
    options.roots = {dest};
    options.strip_top_directory = false;
    options.max_unpacked_bytes = info.size; // the signed size bounds a decompression bomb
    options.threaded_xz = false;
    options.hash_files = true;
    unpack::Result unpacked;
    try {
        unpacked = unpack::unpack_stream(
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
    store::KnownDigests digests;
    const fs::path root = fs::absolute(dest).lexically_normal();
    for (const auto& w : unpacked.written) {
        if (w.digest) {
            digests[w.destination.lexically_relative(root).generic_string()] = *w.digest;
        }
    }
    return digests;
}

} // namespace cudapkgs::cache::detail
