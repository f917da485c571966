// SPDX-License-Identifier: Apache-2.0
// ed25519 signing keys in Nix's text format (`NAME:base64(key)`), signatures `NAME:base64(sig)`.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::cache {

/// A public key: its name and the 32 raw key bytes.
struct PublicKey {
    std::string name;
    std::array<std::uint8_t, 32> key{};

    /// `NAME:base64(key)`, the format of `*.public` files and `trusted-public-keys`.
    std::string to_string() const;
};

/// A secret key: its name, the 32-byte seed and the public half (Nix stores seed || public).
struct SecretKey {
    std::string name;
    std::array<std::uint8_t, 32> seed{};
    std::array<std::uint8_t, 32> public_key{};

    /// `NAME:base64(seed || public)`, the format of `*.secret` files.
    std::string to_string() const;
    /// The public half.
    PublicKey to_public() const { return {name, public_key}; }
};

/// A fresh ed25519 key pair (OpenSSL); throws Error{InvalidInput} for a bad name and
/// Error{Internal} when OpenSSL fails.
SecretKey generate_key(const std::string& name);

/// Parses `NAME:base64(32 bytes)`; throws Error{InvalidInput} saying what is wrong.
PublicKey parse_public_key(std::string_view text);
/// Parses `NAME:base64(64 bytes)` and checks the public half matches the seed; throws
/// Error{InvalidInput} saying what is wrong (never quoting the key material).
SecretKey parse_secret_key(std::string_view text);
/// Reads and parses a secret key file; throws Error{InvalidInput} naming the file.
SecretKey load_secret_key(const std::filesystem::path& file);

/// Signs `message`; returns `NAME:base64(64-byte signature)`.
std::string sign(const SecretKey& key, std::string_view message);

/// True when `signature` (`NAME:base64(sig)`) is a valid signature of `message` by the key
/// among `keys` whose name it carries. Malformed signatures are simply not valid.
bool verify_signature(std::span<const PublicKey> keys, std::string_view message,
                      std::string_view signature);

/// True for a key name: 1–64 characters of `[A-Za-z0-9._-]`, not starting with `.`.
bool is_valid_key_name(std::string_view name) noexcept;

/// Standard base64 with padding.
std::string base64_encode(std::span<const std::uint8_t> bytes);
/// Decodes standard base64 with padding; nullopt when the text is not canonical base64.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

} // namespace cudapkgs::cache
