// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/cache/signing.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

namespace cudapkgs::cache {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

struct PkeyFree {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

int base64_value(char c) noexcept {
    auto pos = kAlphabet.find(c);
    return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

/// Splits `NAME:payload`; throws Error{InvalidInput} (`what` names the kind of text).
std::pair<std::string, std::vector<std::uint8_t>>
split_key(std::string_view text, std::string_view what, std::size_t bytes) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
        text.remove_suffix(1);
    }
    auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        fail(ErrorKind::InvalidInput, "malformed {}: expected NAME:BASE64", what);
    }
    std::string name(text.substr(0, colon));
    if (!is_valid_key_name(name)) {
        fail(ErrorKind::InvalidInput,
             "malformed {}: the name '{}' is not 1-64 characters of [A-Za-z0-9._-]", what, name);
    }
    auto decoded = base64_decode(text.substr(colon + 1));
    if (!decoded) {
        fail(ErrorKind::InvalidInput, "malformed {} '{}': the key is not valid base64", what, name);
    }
    if (decoded->size() != bytes) {
        fail(ErrorKind::InvalidInput, "malformed {} '{}': expected {} key bytes, got {}", what,
             name, bytes, decoded->size());
    }
    return {std::move(name), std::move(*decoded)};
}

std::array<std::uint8_t, 32> public_of_seed(const std::array<std::uint8_t, 32>& seed) {
    Pkey pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
    std::array<std::uint8_t, 32> pub{};
    std::size_t len = pub.size();
    if (!pkey || EVP_PKEY_get_raw_public_key(pkey.get(), pub.data(), &len) != 1 ||
        len != pub.size()) {
        fail(ErrorKind::Internal, "OpenSSL could not derive an ed25519 public key");
    }
    return pub;
}

} // namespace

bool is_valid_key_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > 64 || name.front() == '.') {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        std::uint32_t chunk = std::uint32_t{bytes[i]} << 16;
        std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
        if (n > 1) {
            chunk |= std::uint32_t{bytes[i + 1]} << 8;
        }
        if (n > 2) {
            chunk |= bytes[i + 2];
        }
        for (std::size_t j = 0; j < 4; ++j) {
            out += j <= n ? kAlphabet[(chunk >> (18 - 6 * j)) & 63] : '=';
        }
    }
    return out;
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }
    std::size_t pad = 0;
    if (!text.empty() && text.back() == '=') {
        pad = text[text.size() - 2] == '=' ? 2 : 1;
    }
    std::vector<std::uint8_t> out;
    out.reserve(text.size() / 4 * 3);
    std::uint32_t bits = 0;
    int count = 0;
    for (char c : text.substr(0, text.size() - pad)) {
        int v = base64_value(c);
        if (v < 0) {
            return std::nullopt;
        }
        bits = ((bits << 6) | static_cast<std::uint32_t>(v)) & 0xffffff;
        count += 6;
        if (count >= 8) {
            count -= 8;
            out.push_back(static_cast<std::uint8_t>(bits >> count));
        }
    }
    // Only canonical encodings (unused low bits zero, exact padding) are accepted.
    if (base64_encode(out) != text) {
        return std::nullopt;
    }
    return out;
}

std::string PublicKey::to_string() const {
    return name + ":" + base64_encode(key);
}

std::string SecretKey::to_string() const {
    std::vector<std::uint8_t> both(seed.begin(), seed.end());
    both.insert(both.end(), public_key.begin(), public_key.end());
    return name + ":" + base64_encode(both);
}

SecretKey generate_key(const std::string& name) {
    if (!is_valid_key_name(name)) {
        fail(ErrorKind::InvalidInput, "key name '{}' is not 1-64 characters of [A-Za-z0-9._-]",
             name);
    }
    PkeyCtx ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
        fail(ErrorKind::Internal, "OpenSSL could not generate an ed25519 key");
    }
    Pkey pkey(raw);
    SecretKey key;
    key.name = name;
    std::size_t seed_len = key.seed.size();
    std::size_t pub_len = key.public_key.size();
    if (EVP_PKEY_get_raw_private_key(pkey.get(), key.seed.data(), &seed_len) != 1 ||
        EVP_PKEY_get_raw_public_key(pkey.get(), key.public_key.data(), &pub_len) != 1 ||
        seed_len != 32 || pub_len != 32) {
        fail(ErrorKind::Internal, "OpenSSL could not export an ed25519 key");
    }
    return key;
}

PublicKey parse_public_key(std::string_view text) {
    auto [name, bytes] = split_key(text, "public key", 32);
    PublicKey key;
    key.name = std::move(name);
    std::copy(bytes.begin(), bytes.end(), key.key.begin());
    return key;
}

SecretKey parse_secret_key(std::string_view text) {
    auto [name, bytes] = split_key(text, "secret key", 64);
    SecretKey key;
    key.name = std::move(name);
    std::copy(bytes.begin(), bytes.begin() + 32, key.seed.begin());
    std::copy(bytes.begin() + 32, bytes.end(), key.public_key.begin());
    if (public_of_seed(key.seed) != key.public_key) {
        fail(ErrorKind::InvalidInput,
             "malformed secret key '{}': its public half does not match its seed", key.name);
    }
    return key;
}

SecretKey load_secret_key(const std::filesystem::path& file) {
    try {
        return parse_secret_key(util::read_file(file));
    } catch (Error& e) {
        e.add_note(fmt::format("while reading the secret key file {}", file.string()));
        throw;
    }
}

std::string sign(const SecretKey& key, std::string_view message) {
    Pkey pkey(
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, key.seed.data(), key.seed.size()));
    MdCtx ctx(EVP_MD_CTX_new());
    std::array<std::uint8_t, 64> sig{};
    std::size_t len = sig.size();
    const auto* data = reinterpret_cast<const unsigned char*>(message.data());
    if (!pkey || !ctx ||
        EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1 ||
        EVP_DigestSign(ctx.get(), sig.data(), &len, data, message.size()) != 1 || len != 64) {
        fail(ErrorKind::Internal, "OpenSSL could not sign with key '{}'", key.name);
    }
    return key.name + ":" + base64_encode(sig);
}

bool verify_signature(std::span<const PublicKey> keys, std::string_view message,
                      std::string_view signature) {
    auto colon = signature.find(':');
    if (colon == std::string_view::npos) {
        return false;
    }
    std::string_view name = signature.substr(0, colon);
    auto sig = base64_decode(signature.substr(colon + 1));
    if (!sig || sig->size() != 64) {
        return false;
    }
    const auto* data = reinterpret_cast<const unsigned char*>(message.data());
    for (const auto& key : keys) {
        if (key.name != name) {
            continue;
        }
        Pkey pkey(
            EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.key.data(), key.key.size()));
        MdCtx ctx(EVP_MD_CTX_new());
        if (pkey && ctx &&
            EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1 &&
            EVP_DigestVerify(ctx.get(), sig->data(), sig->size(), data, message.size()) == 1) {
            return true;
        }
    }
    return false;
}

} // namespace cudapkgs::cache
