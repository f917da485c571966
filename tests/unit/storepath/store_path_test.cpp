// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/storepath/store_path.hpp>
#include <cudapkgs/util/error.hpp>

#include <catch2/catch.hpp>

using cudapkgs::Error;
using cudapkgs::storepath::StorePath;

namespace {
constexpr const char* kHash = "0123456789abcdfghijklmnpqrsvwxyz";
}

TEST_CASE("store path names parse into hash and name", "[storepath]") {
    auto p = StorePath::parse(std::string(kHash) + "-libcublas-13.1.0.3-lib");
    CHECK(p.hash_part() == kHash);
    CHECK(p.name() == "libcublas-13.1.0.3-lib");
    CHECK(p.to_string() == std::string(kHash) + "-libcublas-13.1.0.3-lib");
    CHECK(StorePath::from_parts(kHash, "a+b_c?d=e.f") ==
          StorePath::parse(std::string(kHash) + "-a+b_c?d=e.f"));
}

TEST_CASE("invalid store path names are refused with a reason", "[storepath]") {
    const std::string h = kHash;
    for (const std::string& bad : {
             std::string(),
             "/nix/store/" + h + "-x",        // absolute
             h + "x",                         // no dash
             h + "-",                         // empty name
             h.substr(0, 31) + "-x",          // short hash
             "e" + h.substr(1) + "-x",        // 'e' is not in the alphabet
             "U" + h.substr(1) + "-x",        // upper case
             h + "-a/b",                      // slash
             h + "-..",                       // dot start
             h + "-sp ace",                   // space
             h + "-" + std::string(212, 'a'), // too long
         }) {
        INFO(bad);
        CHECK_THROWS_AS(StorePath::parse(bad), Error);
        CHECK_FALSE(StorePath::find_parse(bad).has_value());
    }
    CHECK(StorePath::find_parse(h + "-" + std::string(211, 'a')).has_value());
}

TEST_CASE("store path error names the problem", "[storepath]") {
    try {
        StorePath::parse(std::string(kHash) + "-a/b");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("'/'") != std::string::npos);
        CHECK(e.kind() == cudapkgs::ErrorKind::InvalidInput);
    }
}

TEST_CASE("a store directory is applied to a store path in one place", "[storepath]") {
    auto p = StorePath::parse(std::string(kHash) + "-cudnn-9.13.0.50-lib");
    CHECK(cudapkgs::storepath::absolute_in("/nix/store", p) ==
          std::filesystem::path("/nix/store/" + p.to_string()));
    CHECK(cudapkgs::storepath::absolute_in("/tmp/s/", p).string() == "/tmp/s/" + p.to_string());
}
