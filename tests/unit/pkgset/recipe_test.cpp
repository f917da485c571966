// SPDX-License-Identifier: Apache-2.0
#include "support.hpp"

#include <cudapkgs/pkgset/recipe.hpp>
#include <cudapkgs/util/error.hpp>

#include <catch2/catch.hpp>

using namespace cudapkgs;
using namespace cudapkgs::pkgset;
using nlohmann::json;

TEST_CASE("the shipped source packages load", "[pkgset]") {
    auto recipes = load_source_recipes(test::source_dir() / "packages");
    REQUIRE(recipes.size() == 2);
    const auto& cublas = recipes[0];
    const auto& saxpy = recipes[1];
    CHECK(cublas.pname == "cublas-example");
    CHECK(cublas.kind == BuildKind::Nvcc);
    CHECK(cublas.sources == std::vector<std::string>{"main.cu"});
    CHECK(cublas.link == std::vector<std::string>{"cublas"});
    CHECK(saxpy.pname == "saxpy");
    CHECK(saxpy.kind == BuildKind::Cmake);
    CHECK(saxpy.license_free);
    CHECK(saxpy.src_path == test::source_dir() / "packages/saxpy");
    REQUIRE(saxpy.testers.size() == 1);
    CHECK(saxpy.testers[0].run == std::vector<std::string>{"bin/saxpy"});
    CHECK(saxpy.testers[0].expect_exit == 0);
    CHECK(saxpy.main_program == "saxpy");

    auto deps12 = saxpy.dependencies_for(version::Version::parse("12.8"));
    auto deps13 = saxpy.dependencies_for(version::Version::parse("13.0.2"));
    CHECK(deps12 == std::vector<std::string>{"cuda_nvcc", "cuda_cudart", "cuda_cccl"});
    CHECK(deps13 ==
          std::vector<std::string>{"cuda_nvcc", "cuda_cudart", "cuda_cccl", "cuda_crt", "libnvvm"});
    CHECK(cublas.dependencies_for(version::Version::parse("13.0"))[3] == "libcublas");
}

TEST_CASE("recipe errors name the file and the problem", "[pkgset]") {
    const json base = {{"pname", "p"}, {"version", "1"}, {"build", {{"kind", "cmake"}}}};
    CHECK_NOTHROW(parse_source_recipe(base, "/src", "p.json"));

    auto expect_error = [](const json& doc, const std::string& fragment) {
        try {
            parse_source_recipe(doc, "/src", "p.json");
            FAIL("expected an error for " << doc.dump());
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::InvalidInput);
            CHECK(e.origin() == "p.json");
            CHECK(std::string(e.what()).find(fragment) != std::string::npos);
        }
    };
    json bad = base;
    bad["biuld"] = 1;
    expect_error(bad, "unknown key 'biuld'");
    bad = base;
    bad["build"]["kind"] = "make";
    expect_error(bad, "unknown build kind 'make'");
    bad = base;
    bad["build"] = {{"kind", "nvcc"}};
    expect_error(bad, "needs 'build.sources'");
    bad = base;
    bad.erase("version");
    expect_error(bad, "missing 'version'");
    bad = base;
    bad["testers"] = json::array({{{"run", json::array()}}});
    expect_error(bad, "non-empty 'run'");
    bad = base;
    bad["dependencies"] = {1, 2};
    expect_error(bad, "list of strings");
}

TEST_CASE("recipe src: a path relative to the recipe, or url + sha256", "[pkgset]") {
    json doc = {{"pname", "p"},
                {"version", "1"},
                {"src", {{"path", "../sub"}}},
                {"build", {{"kind", "nvcc"}, {"sources", {"a.cu"}}}}};
    auto r = parse_source_recipe(doc, "/pkgs/p", "p.json");
    CHECK(r.src_path == "/pkgs/sub");
    CHECK(r.output_name == "p");
    doc["src"] = {{"url", "https://example.invalid/p.tar.gz"}, {"sha256", "ab"}};
    r = parse_source_recipe(doc, "/pkgs/p", "p.json");
    CHECK(r.src_url == "https://example.invalid/p.tar.gz");
    CHECK(r.src_path.empty());
    CHECK(r.to_json()["src"]["sha256"] == "ab");
}
