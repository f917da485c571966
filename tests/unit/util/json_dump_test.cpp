// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/util/json_dump.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

using cudapkgs::util::dump_compact;
using nlohmann::json;

TEST_CASE("dump_compact writes what dump() writes", "[util]") {
    std::string every_ascii;
    for (int c = 1; c < 0x80; ++c) {
        every_ascii += static_cast<char>(c);
    }
    const json values[] = {
        nullptr,
        true,
        false,
        0,
        -42,
        std::numeric_limits<std::int64_t>::min(),
        std::numeric_limits<std::uint64_t>::max(),
        1.5,
        1e300,
        0.1,
        "",
        "plain text longer than eight bytes",
        every_ascii,
        std::string("nul \0 inside", 12),
        "quote \" backslash \\ slash / tab \t newline \n",
        "caf\xc3\xa9 \xe2\x82\xac long enough for the word loop",
        json::array(),
        json::object(),
        json{{"b", 1}, {"a", json::array({1, "x", nullptr})}, {"\xc3\xa9", {{"k", "v\n"}}}},
        json::binary({1, 2, 3}),
    };
    for (const auto& v : values) {
        CHECK(dump_compact(v) == v.dump());
    }
    std::string out = "prefix:";
    dump_compact(json{{"x", "y"}}, out);
    CHECK(out == "prefix:{\"x\":\"y\"}");
}

TEST_CASE("dump_compact rejects invalid UTF-8 as dump() does", "[util]") {
    const json bad = "ab\xff\xfe and more text";
    CHECK_THROWS_AS(bad.dump(), json::type_error);
    CHECK_THROWS_AS(dump_compact(bad), json::type_error);
}
