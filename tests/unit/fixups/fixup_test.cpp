// SPDX-License-Identifier: Apache-2.0
#include "support.hpp"

#include <cudapkgs/fixups/fixup.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <catch2/catch.hpp>

#include <fstream>

using namespace cudapkgs;
using namespace cudapkgs::fixups;
using nlohmann::json;

namespace {

std::string rules_error(const std::string& text) {
    try {
        parse_rules(json::parse(text), "f.json", text, {});
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::InvalidInput);
        std::string all = e.origin() + ": " + e.what();
        for (const auto& n : e.notes()) {
            all += "\n" + n;
        }
        return all;
    }
    return {};
}

Target target(const char* version, const char* cuda, bool jetson = false) {
    return {version::Version::parse(version), version::Version::parse(cuda), "linux-x86_64",
            "x86_64-linux", jetson};
}

} // namespace

TEST_CASE("every error path of the fixup format names file, line and key", "[fixups]") {
    CHECK(rules_error(R"([{"dependencies": ["a"]}])").empty());
    CHECK(rules_error("{}") ==
          "f.json:1:1: key '(top level)': expected a list of rules, got object");
    CHECK_THAT(rules_error(R"([{"dependecies": ["a"]}])"),
               Catch::Contains("f.json:1:18: key '0': unknown key 'dependecies'") &&
                   Catch::Contains("did you mean 'dependencies'?"));
    CHECK_THAT(rules_error(R"([{"dependencies": "a"}])"),
               Catch::Contains("key '0.dependencies': expected a list of strings, got string"));
    CHECK_THAT(rules_error(R"([{"when": {"version": "~9"}}])"),
               Catch::Contains("key '0.when.version'") && Catch::Contains("must start with"));
    CHECK_THAT(rules_error(R"([{"when": {"cuda": ">=x"}}])"), Catch::Contains("not a version"));
    CHECK_THAT(rules_error(R"([{"when": {"arch": "x"}}])"), Catch::Contains("unknown key 'arch'"));
    CHECK_THAT(rules_error(R"([{"outputs": {"add": ["libs"]}}])"),
               Catch::Contains("unknown key 'libs'") && Catch::Contains("did you mean 'lib'?"));
    CHECK_THAT(rules_error(R"([{"remove": ["../etc"]}])"),
               Catch::Contains("must be a relative path inside the package"));
    CHECK_THAT(rules_error(R"([{"move": [{"from": "a"}]}])"), Catch::Contains("missing 'to'"));
    CHECK_THAT(rules_error(R"([{"symlinks": [{"path": "/abs", "target": "x"}]}])"),
               Catch::Contains("relative path"));
    CHECK_THAT(rules_error(R"([{"elf": {"addNeeded": [{"libs": ["x"]}]}}])"),
               Catch::Contains("missing 'files'"));
    CHECK_THAT(rules_error(R"([{"elf": {"setRpath": []}}])"),
               Catch::Contains("unknown key 'setRpath'"));
    CHECK_THAT(rules_error(R"([{"substitute": [{"file": "a", "replace": [{"to": "b"}]}]}])"),
               Catch::Contains("missing 'from'"));
    CHECK_THAT(rules_error(R"([{"license": {"free": false}}])"),
               Catch::Contains("missing 'shortName'"));
    CHECK_THAT(rules_error(R"([{"minCuda": "twelve"}])"), Catch::Contains("expected a version"));
    CHECK_THAT(rules_error(R"([{"broken": 3}])"), Catch::Contains("expected a list of strings"));
    CHECK_THAT(rules_error(R"([{"postInstall": ["x"]}])"), Catch::Contains("expected a string"));
    CHECK_THAT(rules_error("[3]"), Catch::Contains("expected a rule object"));
}

TEST_CASE("rules apply by package version, CUDA version and Jetson-ness", "[fixups]") {
    const std::string text = R"([
      {"dependencies": ["libcublas"]},
      {"when": {"version": ">=8.0.5 <9"}, "elf": {"addNeeded": [{"files": "lib/libcudnn.so.*", "libs": ["libcudnn_cnn_infer.so"]}]}},
      {"when": {"cuda": ">=12.0"}, "dependencies": ["libnvjitlink"]},
      {"when": {"jetson": true}, "optionalDependencies": ["cuda_compat"]},
      {"when": {"platforms": ["linux-sbsa"]}, "broken": "sbsa only"}
    ])";
    auto rules = parse_rules(json::parse(text), "f.json", text, {});
    Effects old8;
    rules.collect(target("8.9.7", "11.8"), old8);
    CHECK(old8.dependencies == std::vector<std::string>{"libcublas"});
    CHECK(old8.build.size() == 1);
    Effects new9;
    rules.collect(target("9.13.0", "12.8"), new9);
    CHECK(new9.dependencies == std::vector<std::string>{"libcublas", "libnvjitlink"});
    CHECK(new9.build.empty());
    CHECK(new9.broken.empty());
    Effects jet;
    rules.collect(target("9.13.0", "12.8", true), jet);
    CHECK(jet.optional_dependencies == std::vector<std::string>{"cuda_compat"});
}

TEST_CASE("fixup files load, and a bad one names its file", "[fixups]") {
    auto set = FixupSet::load({test::source_dir() / "fixups"});
    CHECK(set.find("cudnn") != nullptr);
    CHECK(set.find("cuda_nvcc") != nullptr);
    CHECK(set.hashes().size() == set.all().size());
    util::ScopedTempDir dir;
    std::ofstream(dir.path() / "x.json") << "{\n  \"rules\": [{\"mainProgram\": 3}]\n}\n";
    try {
        FixupSet::load({dir.path()});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.origin() == (dir.path() / "x.json").string() + ":2:29");
    }
    std::ofstream(dir.path() / "x.json") << "{\"rulez\": []}";
    CHECK_THROWS_WITH(FixupSet::load({dir.path()}), Catch::Contains("unknown key 'rulez'"));
}
