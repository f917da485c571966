// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/config/config.hpp>
#include <cudapkgs/util/error.hpp>

#include <catch2/catch.hpp>

using namespace cudapkgs;
using namespace cudapkgs::config;

TEST_CASE("checklist 37-38: defaults", "[config]") {
    Config c;
    CHECK(c.cuda_forward_compat);
    CHECK(c.cuda_capabilities.empty());
    CHECK_FALSE(c.allow_unfree);
}

TEST_CASE("options take comma lists, JSON lists and booleans", "[config]") {
    Config c;
    set_option(c, "cudaCapabilities", "8.6, 9.0");
    CHECK(c.cuda_capabilities == std::vector<std::string>{"8.6", "9.0"});
    set_option(c, "cudaCapabilities", R"(["7.5"])");
    CHECK(c.cuda_capabilities == std::vector<std::string>{"7.5"});
    set_option(c, "cudaCapabilities", "");
    CHECK(c.cuda_capabilities.empty());
    set_option(c, "allowUnfree", "true");
    CHECK(c.allow_unfree);
    CHECK_THROWS_WITH(set_option(c, "allowUnfree", "yes"),
                      Catch::Contains("expected true or false"));
    try {
        set_option(c, "cudaCapabilties", "8.6");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::InvalidInput);
        REQUIRE_FALSE(e.notes().empty());
        CHECK(e.notes().front() == "did you mean 'cudaCapabilities'?");
    }
}

TEST_CASE("config files are typed and located", "[config]") {
    auto c = parse_config(R"({"allowUnfreeLicenses": ["cuDNN EULA"], "cudaForwardCompat": false})",
                          "c.json");
    CHECK(c.allow_unfree_licenses == std::vector<std::string>{"cuDNN EULA"});
    CHECK_FALSE(c.cuda_forward_compat);
    try {
        parse_config("{\n  \"cudaSupport\": \"yes\"\n}", "c.json");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.origin() == "c.json:2:18");
        CHECK_THAT(e.what(), Catch::Contains("cudaSupport"));
    }
    CHECK_THROWS_AS(parse_config("{\"bogus\": 1}", "c.json"), Error);
    CHECK_THROWS_AS(parse_config("[]", "c.json"), Error);
}

TEST_CASE("options override the environment, which overrides the file", "[config]") {
    ConfigSources s;
    s.env_allow_unfree = true;
    CHECK(load_config(s).allow_unfree);
    s.options = {{"allowUnfree", "false"}};
    CHECK_FALSE(load_config(s).allow_unfree);
}
