// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace cudapkgs::util {

/// Incremental SHA-256 (OpenSSL EVP).
class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;

    void update(std::span<const std::uint8_t> bytes);
    void update(std::string_view text);
    /// Finishes the digest; the object may not be updated afterwards.
    std::array<std::uint8_t, 32> finish();
    /// finish() as lower-case hex.
    std::string finish_hex();

  private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// SHA-256 of a string, as lower-case hex.
std::string sha256_hex(std::string_view text);
/// SHA-256 of a file's contents, as lower-case hex; throws Error on I/O failure.
std::string sha256_file_hex(const std::filesystem::path& path);

std::string to_hex(std::span<const std::uint8_t> bytes);
/// Nix's base-32 encoding (alphabet without e, o, t, u), as used in store path hashes.
std::string to_nix_base32(std::span<const std::uint8_t> bytes);
/// Nix's hash compression: XOR-fold `bytes` into `size` bytes.
std::string compress_to_nix_base32(std::span<const std::uint8_t> bytes, std::size_t size);

} // namespace cudapkgs::util
