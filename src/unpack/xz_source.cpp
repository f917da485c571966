// SPDX-License-Identifier: Apache-2.0
#include "xz_source.hpp"

#include <cudapkgs/util/error.hpp>

#include <algorithm>
#include <cstring>
#include <lzma.h>
#include <thread>
#include <vector>

namespace cudapkgs::unpack::detail {

namespace {

constexpr std::size_t kOutBlock = std::size_t{1} << 20;
// Above this much decoder memory liblzma drops to fewer threads (one block buffer each).
constexpr std::uint64_t kThreadingMemory = std::uint64_t{128} << 20;

std::string lzma_message(lzma_ret rc) {
    // if-chain rather than a switch: lzma_ret has many internal values (-Werror=switch-enum).
    if (rc == LZMA_FORMAT_ERROR) {
        return "not in .xz format";
    }
    if (rc == LZMA_OPTIONS_ERROR) {
        return "unsupported .xz options";
    }
    if (rc == LZMA_DATA_ERROR) {
        return "compressed data is corrupt";
    }
    if (rc == LZMA_BUF_ERROR) {
        return "compressed data is truncated";
    }
    if (rc == LZMA_MEM_ERROR || rc == LZMA_MEMLIMIT_ERROR) {
        return "out of memory while decoding";
    }
    return fmt::format("liblzma error {}", static_cast<int>(rc));
}

class XzDecoder {
  public:
    XzDecoder(std::string name, ReadFn compressed, unsigned threads)
        : m_name(std::move(name)), m_compressed(std::move(compressed)), m_out(kOutBlock) {
        lzma_mt mt{};
        mt.flags = LZMA_CONCATENATED;
        mt.threads = threads != 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
        mt.threads = std::min(mt.threads, 16u);
        mt.memlimit_threading = kThreadingMemory;
        mt.memlimit_stop = UINT64_MAX;
        if (lzma_ret rc = lzma_stream_decoder_mt(&m_stream, &mt); rc != LZMA_OK) {
            fail(ErrorKind::Internal, "cannot start the xz decoder for {}: {}", m_name,
                 lzma_message(rc));
        }
    }
    ~XzDecoder() { lzma_end(&m_stream); }
    XzDecoder(const XzDecoder&) = delete;
    XzDecoder& operator=(const XzDecoder&) = delete;

    std::span<const std::byte> next();

  private:
    std::string m_name;
    ReadFn m_compressed;
    lzma_stream m_stream = LZMA_STREAM_INIT;
    std::vector<std::byte> m_out;
    bool m_input_done = false;
    bool m_finished = false;
};

std::span<const std::byte> XzDecoder::next() {
    if (m_finished) {
        return {};
    }
    m_stream.next_out = reinterpret_cast<std::uint8_t*>(m_out.data());
    m_stream.avail_out = m_out.size();
    while (m_stream.avail_out > 0) {
        if (m_stream.avail_in == 0 && !m_input_done) {
            auto chunk = m_compressed();
            m_input_done = chunk.empty();
            m_stream.next_in = reinterpret_cast<const std::uint8_t*>(chunk.data());
            m_stream.avail_in = chunk.size();
        }
        lzma_ret rc = lzma_code(&m_stream, m_input_done ? LZMA_FINISH : LZMA_RUN);
        if (rc == LZMA_STREAM_END) {
            m_finished = true;
            break;
        }
        if (rc != LZMA_OK) {
            fail(ErrorKind::Integrity, "corrupt archive {}: {}", m_name, lzma_message(rc));
        }
    }
    return {m_out.data(), m_out.size() - m_stream.avail_out};
}

} // namespace

bool is_xz(std::span<const std::byte> bytes) noexcept {
    static constexpr unsigned char kMagic[] = {0xFD, '7', 'z', 'X', 'Z', 0x00};
    return bytes.size() >= sizeof kMagic && std::memcmp(bytes.data(), kMagic, sizeof kMagic) == 0;
}

ReadFn make_xz_decoder(std::string name, ReadFn compressed, unsigned threads) {
    auto decoder = std::make_shared<XzDecoder>(std::move(name), std::move(compressed), threads);
    return [decoder] { return decoder->next(); };
}

std::pair<std::string, ReadFn> peek(ReadFn source, std::size_t want) {
    auto head = std::make_shared<std::string>();
    bool ended = false;
    while (head->size() < want && !ended) {
        auto chunk = source();
        ended = chunk.empty();
        head->append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    }
    std::string copy = *head;
    auto replayed = std::make_shared<bool>(false);
    ReadFn replay = [head, replayed, ended, source = std::move(source)]() {
        if (!*replayed) {
            *replayed = true;
            if (!head->empty()) {
                return std::span<const std::byte>(reinterpret_cast<const std::byte*>(head->data()),
                                                  head->size());
            }
        }
        return ended ? std::span<const std::byte>() : source();
    };
    return {std::move(copy), std::move(replay)};
}

} // namespace cudapkgs::unpack::detail
