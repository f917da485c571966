// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/cache/signing.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/hash.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace cudapkgs::cache;
using cudapkgs::Error;

namespace {

std::vector<std::uint8_t> from_hex(const std::string& hex) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    return out;
}

std::vector<std::uint8_t> bytes_of(const std::string& s) {
    return {s.begin(), s.end()};
}

} // namespace

TEST_CASE("base64 matches RFC 4648 vectors and refuses non-canonical text", "[cache]") {
    const std::vector<std::pair<std::string, std::string>> vectors = {{"", ""},
                                                                      {"f", "Zg=="},
                                                                      {"fo", "Zm8="},
                                                                      {"foo", "Zm9v"},
                                                                      {"foob", "Zm9vYg=="},
                                                                      {"fooba", "Zm9vYmE="},
                                                                      {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, encoded] : vectors) {
        CHECK(base64_encode(bytes_of(plain)) == encoded);
        auto decoded = base64_decode(encoded);
        REQUIRE(decoded);
        CHECK(*decoded == bytes_of(plain));
    }
    for (const char* bad : {"Zg", "Zg=", "Zh==", "Z===", "Zm9v\n", "Zm 9", "====", "Zm=v"}) {
        INFO(bad);
        CHECK_FALSE(base64_decode(bad));
    }
}

TEST_CASE("ed25519 signing matches RFC 8032 test vector 1", "[cache]") {
    SecretKey key;
    key.name = "rfc8032";
    auto seed = from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    std::copy(seed.begin(), seed.end(), key.seed.begin());
    auto pub = from_hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    std::copy(pub.begin(), pub.end(), key.public_key.begin());
    // parse_secret_key recomputes the public half from the seed and compares.
    auto parsed = parse_secret_key(key.to_string());
    CHECK(parsed.public_key == key.public_key);
    auto sig = sign(key, "");
    auto expected = from_hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
                             "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    CHECK(sig == "rfc8032:" + base64_encode(expected));
    std::vector<PublicKey> trusted{key.to_public()};
    CHECK(verify_signature(trusted, "", sig));
    CHECK_FALSE(verify_signature(trusted, "x", sig));
}

TEST_CASE("generated keys round-trip through Nix's text format", "[cache]") {
    auto key = generate_key("ci.example.org-1");
    std::string secret = key.to_string();
    std::string pub = key.to_public().to_string();
    REQUIRE(secret.starts_with("ci.example.org-1:"));
    REQUIRE(pub.starts_with("ci.example.org-1:"));
    CHECK(base64_decode(secret.substr(17))->size() == 64);
    CHECK(base64_decode(pub.substr(17))->size() == 32);
    auto parsed = parse_secret_key(secret + "\n");
    CHECK(parsed.seed == key.seed);
    CHECK(parsed.public_key == key.public_key);
    CHECK(parse_public_key(pub).key == key.public_key);
    // Two keys differ.
    CHECK(generate_key("ci.example.org-1").seed != key.seed);
}

TEST_CASE("malformed keys and names are refused", "[cache]") {
    auto key = generate_key("k");
    CHECK_THROWS_AS(generate_key(""), Error);
    CHECK_THROWS_AS(generate_key("a b"), Error);
    CHECK_THROWS_AS(generate_key(".hidden"), Error);
    CHECK_THROWS_AS(generate_key(std::string(65, 'a')), Error);
    CHECK_THROWS_AS(parse_public_key("no-colon"), Error);
    CHECK_THROWS_AS(parse_public_key("k:!!!!"), Error);
    // A secret key is not a public key and vice versa (sizes differ).
    CHECK_THROWS_AS(parse_public_key(key.to_string()), Error);
    CHECK_THROWS_AS(parse_secret_key(key.to_public().to_string()), Error);
    // A secret key whose public half was replaced is refused.
    auto other = generate_key("k");
    SecretKey mixed = key;
    mixed.public_key = other.public_key;
    CHECK_THROWS_WITH(parse_secret_key(mixed.to_string()),
                      Catch::Contains("does not match its seed"));
}

TEST_CASE("signatures verify only with the named, matching key", "[cache]") {
    auto a = generate_key("a");
    auto a2 = generate_key("a"); // same name, different key
    auto b = generate_key("b");
    std::string sig = sign(a, "message");
    REQUIRE(sig.starts_with("a:"));
    std::vector<PublicKey> trusted_a{a.to_public()};
    std::vector<PublicKey> trusted_a2{a2.to_public()};
    std::vector<PublicKey> trusted_b{b.to_public()};
    std::vector<PublicKey> both{a2.to_public(), a.to_public()};
    CHECK(verify_signature(trusted_a, "message", sig));
    CHECK(verify_signature(both, "message", sig));
    CHECK_FALSE(verify_signature(trusted_a2, "message", sig));
    CHECK_FALSE(verify_signature(trusted_b, "message", sig));
    CHECK_FALSE(verify_signature(trusted_a, "messagf", sig));
    // Renaming the signature to a trusted key's name does not help.
    CHECK_FALSE(verify_signature(trusted_b, "message", "b" + sig.substr(1)));
    // Every single-bit flip of the signature bytes is caught.
    auto raw = *base64_decode(sig.substr(2));
    for (std::size_t i = 0; i < raw.size(); ++i) {
        auto flipped = raw;
        flipped[i] ^= 0x01;
        CHECK_FALSE(verify_signature(trusted_a, "message", "a:" + base64_encode(flipped)));
    }
    for (const char* bad : {"", "a", "a:", "a:AAAA", ":", "a:%%%"}) {
        CHECK_FALSE(verify_signature(trusted_a, "message", bad));
    }
}
