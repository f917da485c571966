// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/hash.hpp>

#include <openssl/evp.h>

#include <fstream>
#include <vector>

namespace cudapkgs::util {

struct Sha256::Impl {
    EVP_MD_CTX* ctx = nullptr;
    ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : m_impl(std::make_unique<Impl>()) {
    m_impl->ctx = EVP_MD_CTX_new();
    if (m_impl->ctx == nullptr || EVP_DigestInit_ex(m_impl->ctx, EVP_sha256(), nullptr) != 1) {
        fail(ErrorKind::Internal, "cannot initialise SHA-256");
    }
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::span<const std::uint8_t> bytes) {
    EVP_DigestUpdate(m_impl->ctx, bytes.data(), bytes.size());
}

void Sha256::update(std::string_view text) {
    EVP_DigestUpdate(m_impl->ctx, text.data(), text.size());
}

std::array<std::uint8_t, 32> Sha256::finish() {
    std::array<std::uint8_t, 32> out{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(m_impl->ctx, out.data(), &len);
    return out;
}

std::string Sha256::finish_hex() {
    auto digest = finish();
    return to_hex(digest);
}

std::string sha256_hex(std::string_view text) {
    Sha256 h;
    h.update(text);
    return h.finish_hex();
}

std::string sha256_file_hex(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        fail(ErrorKind::InvalidInput, "cannot open {}", path.string());
    }
    Sha256 h;
    std::vector<char> buffer(1 << 20);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        auto n = static_cast<std::size_t>(in.gcount());
        h.update(std::string_view(buffer.data(), n));
    }
    if (in.bad()) {
        fail(ErrorKind::InvalidInput, "cannot read {}", path.string());
    }
    return h.finish_hex();
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto b : bytes) {
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0xf]);
    }
    return out;
}

std::string to_nix_base32(std::span<const std::uint8_t> bytes) {
    static constexpr std::string_view kAlphabet = "0123456789abcdfghijklmnpqrsvwxyz";
    const std::size_t len = (bytes.size() * 8 - 1) / 5 + 1;
    std::string out;
    out.reserve(len);
    // Nix emits the most significant 5-bit group first, reading the bytes as little-endian.
    for (std::size_t n = len; n-- > 0;) {
        const std::size_t b = n * 5;
        const std::size_t i = b / 8;
        const std::size_t j = b % 8;
        unsigned c = bytes[i] >> j;
        if (i + 1 < bytes.size()) {
            c |= static_cast<unsigned>(bytes[i + 1]) << (8 - j);
        }
        out.push_back(kAlphabet[c & 0x1f]);
    }
    return out;
}

std::string compress_to_nix_base32(std::span<const std::uint8_t> bytes, std::size_t size) {
    std::vector<std::uint8_t> folded(size, 0);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        folded[i % size] ^= bytes[i];
    }
    return to_nix_base32(folded);
}

} // namespace cudapkgs::util
