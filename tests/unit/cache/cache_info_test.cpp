// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/cache/cache_info.hpp>
#include <cudapkgs/util/error.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace cudapkgs::cache;
using cudapkgs::Error;
using cudapkgs::ErrorKind;
using cudapkgs::storepath::StorePath;

namespace {

const std::string kA = "0123456789abcdfghijklmnpqrsvwxyz-libfoo-1.0";
const std::string kB = "11111111111111111111111111111111-libbar-2.0";
const std::string kC = "22222222222222222222222222222222-libbaz-3.0";

CacheInfo sample() {
    CacheInfo info{StorePath::parse(kA)};
    info.content_hash = "sha256:" + std::string(64, 'a');
    info.size = 1234;
    info.archive_sha256 = std::string(64, 'b');
    info.archive_size = 567;
    info.references = {StorePath::parse(kA), StorePath::parse(kB)};
    info.deriver = "drvhash";
    return info;
}

/// Replaces the first occurrence of `from` in `text`.
std::string replace(std::string text, const std::string& from, const std::string& to) {
    auto pos = text.find(from);
    REQUIRE(pos != std::string::npos);
    return text.replace(pos, from.size(), to);
}

} // namespace

TEST_CASE("the fingerprint covers every field in a fixed order", "[cache]") {
    auto info = sample();
    CHECK(info.fingerprint() == "cudapkgs-cache-1;" + kA + ";sha256:" + std::string(64, 'a') +
                                    ";1234;" + std::string(64, 'b') + ";567;" + kA + "," + kB +
                                    ";drvhash");
    info.deriver.reset();
    info.references.clear();
    CHECK(info.fingerprint().ends_with(";567;;"));
    CHECK(info_file_name(info.store_path) == "0123456789abcdfghijklmnpqrsvwxyz.cpinfo");
    CHECK(info.archive_path() == "archives/" + std::string(64, 'b') + ".tar.zst");
}

TEST_CASE("cache info round-trips through its text form", "[cache]") {
    auto key = generate_key("k1");
    auto info = sample();
    sign_info(info, key);
    sign_info(info, key); // re-signing replaces, never duplicates
    REQUIRE(info.signatures.size() == 1);
    std::string text = to_text(info);
    CHECK(text.find("StorePath: " + kA + "\n") == 0);
    CHECK(text.find("References: " + kA + " " + kB + "\n") != std::string::npos);
    auto parsed = parse_cache_info(text, "test");
    CHECK(parsed.fingerprint() == info.fingerprint());
    CHECK(parsed.signatures == info.signatures);
    CHECK(to_text(parsed) == text);
    std::vector<PublicKey> trusted{key.to_public()};
    CHECK(has_valid_signature(parsed, trusted));
}

TEST_CASE("tampering with any signed field invalidates the signature", "[cache]") {
    auto key = generate_key("k1");
    std::vector<PublicKey> trusted{key.to_public()};
    auto info = sample();
    sign_info(info, key);
    const std::string text = to_text(info);
    const std::string a64(64, 'a');
    const std::string b64(64, 'b');
    const std::vector<std::pair<std::string, std::string>> edits = {
        {"StorePath: " + kA, "StorePath: " + kC},
        {"ContentHash: sha256:" + a64, "ContentHash: sha256:" + std::string(63, 'a') + "c"},
        {"Size: 1234", "Size: 1235"},
        {"ArchiveSha256: " + b64, "ArchiveSha256: " + std::string(63, 'b') + "c"},
        {"ArchiveSize: 567", "ArchiveSize: 566"},
        {"References: " + kA + " " + kB, "References: " + kA},
        {"References: " + kA + " " + kB, "References: " + kA + " " + kB + " " + kC},
        {"References: " + kA + " " + kB, "References: "},
        {"Deriver: drvhash", "Deriver: drvhasi"},
        {"Deriver: drvhash\n", ""},
    };
    for (const auto& [from, to] : edits) {
        INFO(from << " -> " << to);
        std::string tampered = replace(text, from, to);
        // ArchivePath is derived from ArchiveSha256: keep it consistent so only the
        // signature can catch the change.
        if (from.starts_with("ArchiveSha256")) {
            tampered =
                replace(tampered, "archives/" + b64, "archives/" + std::string(63, 'b') + "c");
        }
        auto parsed = parse_cache_info(tampered, "test");
        CHECK_FALSE(has_valid_signature(parsed, trusted));
    }
    // An added deriver is caught too.
    auto no_deriver = sample();
    no_deriver.deriver.reset();
    sign_info(no_deriver, key);
    auto added = parse_cache_info(to_text(no_deriver) + "Deriver: x\n", "test");
    CHECK_FALSE(has_valid_signature(added, trusted));
    // The untampered text still verifies.
    CHECK(has_valid_signature(parse_cache_info(text, "test"), trusted));
}

TEST_CASE("signatures cannot be moved between entries", "[cache]") {
    auto key = generate_key("k1");
    std::vector<PublicKey> trusted{key.to_public()};
    auto one = sample();
    auto two = sample();
    two.store_path = StorePath::parse(kB);
    two.references = {};
    sign_info(one, key);
    sign_info(two, key);
    std::swap(one.signatures, two.signatures);
    CHECK_FALSE(has_valid_signature(one, trusted));
    CHECK_FALSE(has_valid_signature(two, trusted));
    auto unsigned_info = sample();
    CHECK_FALSE(has_valid_signature(unsigned_info, trusted));
}

TEST_CASE("malformed cache info is an integrity error", "[cache]") {
    const std::string text = to_text(sample());
    const std::vector<std::pair<std::string, std::string>> edits = {
        {"StorePath: " + kA, "StorePath: /nix/store/" + kA},
        {"StorePath: " + kA + "\n", ""},
        {"ContentHash: sha256:", "ContentHash: md5:"},
        {"Size: 1234", "Size: 01234"},
        {"Size: 1234", "Size: -1"},
        {"Size: 1234", "Size: 99999999999999999999999"},
        {"ArchiveSha256: bbbb", "ArchiveSha256: BBBB"},
        {"ArchivePath: archives/", "ArchivePath: ../archives/"},
        {"Compression: zstd", "Compression: xz"},
        {"References: " + kA + " " + kB, "References: " + kB + " " + kA},
        {"References: " + kA + " " + kB, "References: " + kA + " " + kA},
        {"References: " + kA + " " + kB, "References: ../etc"},
        {"Size: 1234", "Size: 1234\nSize: 1234"},
        {"Size: 1234", "Size 1234"},
    };
    for (const auto& [from, to] : edits) {
        INFO(from << " -> " << to);
        try {
            parse_cache_info(replace(text, from, to), "cache/x.cpinfo");
            FAIL("parsed");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::Integrity);
            CHECK(e.origin().starts_with("cache/x.cpinfo"));
        }
    }
}
