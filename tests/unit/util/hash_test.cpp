// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/util/hash.hpp>

#include <catch2/catch.hpp>

using namespace cudapkgs::util;

TEST_CASE("sha256 of known strings", "[util]") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("nix base32 matches Nix's encoding", "[util]") {
    // `nix hash to-base32 sha256:ba7816bf...` =
    // 1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s
    Sha256 h;
    h.update("abc");
    auto digest = h.finish();
    CHECK(to_nix_base32(digest) == "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s");
    CHECK(compress_to_nix_base32(digest, 20).size() == 32);
}
