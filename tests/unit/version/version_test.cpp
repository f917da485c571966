// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/version/version.hpp>

#include <catch2/catch.hpp>

using cudapkgs::version::Version;
using cudapkgs::version::VersionRange;

TEST_CASE("versions compare numerically per component", "[version]") {
    CHECK(Version::parse("12.10") > Version::parse("12.9"));
    CHECK(Version::parse("9.13.0.50") > Version::parse("9.8.0.87"));
    CHECK(Version::parse("9") == Version::parse("9.0"));
    CHECK(Version::parse("10.0a") > Version::parse("10.0"));
    CHECK(Version::parse("10.0a") < Version::parse("10.1"));
    CHECK(Version::parse("12.8.93").prefix(2) == "12.8");
    CHECK_THROWS_AS(Version::parse(""), cudapkgs::Error);
    CHECK_THROWS_AS(Version::parse("1..2"), cudapkgs::Error);
    CHECK_THROWS_AS(Version::parse("abc"), cudapkgs::Error);
}

TEST_CASE("version ranges are conjunctions of clauses", "[version]") {
    auto r = VersionRange::parse(">=8.0.5 <9");
    CHECK(r.contains(Version::parse("8.0.5")));
    CHECK(r.contains(Version::parse("8.9.7.29")));
    CHECK_FALSE(r.contains(Version::parse("8.0.4")));
    CHECK_FALSE(r.contains(Version::parse("9.0.0")));
    CHECK(VersionRange::parse("").contains(Version::parse("1.2")));
    CHECK(VersionRange::parse("!=12.6").contains(Version::parse("12.8")));
    CHECK_THROWS_AS(VersionRange::parse("~8"), cudapkgs::Error);
    CHECK_THROWS_AS(VersionRange::parse(">=x"), cudapkgs::Error);
}

TEST_CASE("checklist 6: versioned names replace dots", "[version]") {
    CHECK(cudapkgs::version::versioned_name("cudaPackages", "12.8") == "cudaPackages_12_8");
    CHECK(cudapkgs::version::versioned_name("cudnn", "8.9") == "cudnn_8_9");
}
