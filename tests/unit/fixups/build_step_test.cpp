// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/fixups/build_step.hpp>
#include <cudapkgs/fixups/fixup.hpp>
#include <cudapkgs/util/error.hpp>

#include <catch2/catch.hpp>

using namespace cudapkgs;
using namespace cudapkgs::fixups;
using nlohmann::json;

namespace {

std::vector<BuildStep> steps_of(const std::string& text) {
    auto rules = parse_rules(json::parse(text), "f.json", text, {});
    Effects e;
    rules.collect({version::Version::parse("1.0"), version::Version::parse("12.8"), "linux-x86_64",
                   "x86_64-linux", false},
                  e);
    return e.build;
}

} // namespace

TEST_CASE("build steps are parsed once into typed values, in the builder's order", "[fixups]") {
    const std::string text = R"([{
      "postInstall": "touch x",
      "elf": {"addNeeded": [{"files": "lib/a.so", "libs": ["libb.so"]}],
              "replaceNeeded": [{"files": "lib/*", "from": "x.so", "to": "y.so"}],
              "runpath": [{"files": "bin/*", "add": ["${lib}/lib"]}],
              "removeNeeded": [{"files": "lib/c.so"}]},
      "substitute": [{"file": "a.pc", "replace": [{"from": "@P@"}], "append": ["z"]}],
      "symlinks": [{"path": "lib/a.so", "target": "a.so.1"}],
      "outputPatterns": {"stubs": ["lib/stubs"], "dev": ["share/x"]},
      "move": [{"from": "include/cccl", "to": "include"}],
      "remove": ["lib/*.a"]
    }, {"remove": ["doc"]}])";
    const auto steps = steps_of(text);
    REQUIRE(steps.size() == 8);
    CHECK(std::get<RemoveStep>(steps[0].action).patterns == std::vector<std::string>{"lib/*.a"});
    const auto& move = std::get<MoveStep>(steps[1].action);
    REQUIRE(move.moves.size() == 1);
    CHECK(move.moves[0].from == "include/cccl");
    CHECK(std::get<SymlinksStep>(steps[2].action).links[0].target == "a.so.1");
    const auto& patterns = std::get<OutputPatternsStep>(steps[3].action).patterns;
    REQUIRE(patterns.size() == 2);
    CHECK(patterns[0].first == "dev");
    CHECK(patterns[1].second == std::vector<std::string>{"lib/stubs"});
    const auto& sub = std::get<SubstituteStep>(steps[4].action).files.at(0);
    CHECK(sub.file == "a.pc");
    CHECK(sub.replace.at(0).from == "@P@");
    CHECK(sub.replace.at(0).to.empty());
    CHECK(sub.append == std::vector<std::string>{"z"});
    const auto& elf = std::get<ElfStep>(steps[5].action);
    CHECK(elf.add_needed.at(0).libs == std::vector<std::string>{"libb.so"});
    CHECK(elf.remove_needed.at(0).libs.empty());
    CHECK(elf.replace_needed.at(0).to == "y.so");
    CHECK(elf.runpath.at(0).add == std::vector<std::string>{"${lib}/lib"});
    CHECK(std::get<PostInstallStep>(steps[6].action).script == "touch x");
    CHECK(std::get<RemoveStep>(steps[7].action).patterns == std::vector<std::string>{"doc"});

    // The derivation sees exactly the JSON that was written, key by key.
    const json doc = json::parse(text);
    CHECK(to_json(steps)[0] == json{{"remove", doc[0]["remove"]}});
    CHECK(to_json(steps)[5] == json{{"elf", doc[0]["elf"]}});
    CHECK(to_json(steps)[7] == json{{"remove", {"doc"}}});
}

TEST_CASE("build-step values of the wrong type are errors naming the key", "[fixups]") {
    const std::string text =
        R"([{"substitute": [{"file": "a", "replace": [{"from": "x", "to": 3}]}]}])";
    CHECK_THROWS_WITH(parse_rules(json::parse(text), "f.json", text, {}),
                      Catch::Contains("key '0.substitute.0.replace.0.to': expected a string"));
}
