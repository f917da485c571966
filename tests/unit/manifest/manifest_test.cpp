// SPDX-License-Identifier: Apache-2.0
#include "support.hpp"

#include <cudapkgs/manifest/manifest.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <catch2/catch.hpp>

using namespace cudapkgs;
using namespace cudapkgs::manifest;

namespace {

/// The error (origin + message) parsing `text` gives, or "" when it parses.
std::string parse_error(const std::string& text) {
    try {
        parse_manifest(text, "m.json", "cuda", "1.0.0");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::InvalidInput);
        return e.origin() + ": " + e.what();
    }
    return {};
}

const char* const kGood = R"({
  "release_label": "1.0.0",
  "pkg": {
    "name": "P", "license": "CUDA Toolkit", "version": "1.2.3",
    "linux-x86_64": {
      "relative_path": "pkg/linux-x86_64/pkg-linux-x86_64-1.2.3-archive.tar.xz",
      "sha256": "0000000000000000000000000000000000000000000000000000000000000000",
      "md5": "00000000000000000000000000000000",
      "size": "12"
    }
  }
})";

std::string with(std::string text, const std::string& from, const std::string& to) {
    auto pos = text.find(from);
    REQUIRE(pos != std::string::npos);
    return text.replace(pos, from.size(), to);
}

} // namespace

TEST_CASE("every shipped manifest parses", "[manifest]") {
    auto store = load_manifest_dirs({test::source_dir() / "manifests"});
    CHECK(store.products.at("cuda").size() == 11);
    CHECK(store.products.at("cudnn").size() == 5);
    CHECK(store.products.at("tensorrt").size() == 5);
    CHECK(store.products.size() == 14);
    CHECK(store.pins.layouts.at("tensorrt").base_path == "machine-learning");
    CHECK(store.base_path("cudnn") == "cudnn/redist");
    const Manifest* m = store.find("cuda", "12.8.2");
    REQUIRE(m != nullptr);
    const ManifestEntry* nvcc = m->find("cuda_nvcc");
    REQUIRE(nvcc != nullptr);
    CHECK(nvcc->find_platform("linux-x86_64")->flat->size > 0);
    CHECK(store.features.at("cuda").front().outputs.at("cuda_cudart").at("linux-x86_64") ==
          std::vector<std::string>{"dev", "lib", "static"});
}

TEST_CASE("library manifests nest per-CUDA variants", "[manifest]") {
    auto store = load_manifest_dirs({test::source_dir() / "manifests"});
    const ManifestEntry* cudnn = store.find("cudnn", "9.13.0")->find("cudnn");
    CHECK(cudnn->cuda_variants == std::vector<std::string>{"12", "13"});
    const auto* x86 = cudnn->find_platform("linux-x86_64");
    CHECK_FALSE(x86->flat.has_value());
    CHECK(x86->variants.at("13").relative_path.find("_cuda13-archive") != std::string::npos);
    const ManifestEntry* samples = store.find("cudnn", "9.13.0")->find("cudnn_samples");
    CHECK(samples->find_platform("source")->flat.has_value());
}

TEST_CASE("checklist 4: the legacy layout has no release_label", "[manifest]") {
    auto store = load_manifest_dirs({test::source_dir() / "manifests"});
    const Manifest* legacy = store.find("cuda", "11.8.0");
    REQUIRE(legacy != nullptr);
    CHECK(legacy->release_label == "11.8.0");
    const ManifestEntry* cudart = legacy->find("cuda_cudart");
    CHECK(cudart->license_path.empty());
    CHECK(cudart->find_platform("linux-ppc64le") != nullptr);
}

TEST_CASE("malformed manifests name file, line and key", "[manifest]") {
    CHECK(parse_error(kGood).empty());
    CHECK_THAT(parse_error("{\"a\": "), Catch::StartsWith("m.json:1:"));
    CHECK_THAT(parse_error(with(kGood, "\"version\": \"1.2.3\",", "")),
               Catch::Contains("key 'pkg': missing 'version'"));
    CHECK(parse_error(with(kGood, "\"size\": \"12\"", "\"size\": \"-12\"")) ==
          "m.json:9:15: key 'pkg.linux-x86_64.size': size '-12' is not a non-negative decimal "
          "number");
    CHECK_THAT(parse_error(with(kGood, "\"size\": \"12\"", "\"size\": \"twelve\"")),
               Catch::Contains("size 'twelve'"));
    CHECK_THAT(parse_error(with(kGood, "\"size\": \"12\"", "\"size\": 12")),
               Catch::Contains("key 'pkg.linux-x86_64.size': expected a string, got number"));
    CHECK_THAT(parse_error(with(kGood, "\"sha256\": \"0000", "\"sha256\": \"zz00")),
               Catch::Contains("is not a sha256"));
    CHECK_THAT(parse_error(with(kGood, "\"version\": \"1.2.3\"", "\"version\": 3")),
               Catch::Contains("key 'pkg.version': expected a string"));
    CHECK_THAT(parse_error(with(kGood, "pkg/linux", "../linux")),
               Catch::Contains("unsafe relative_path"));
    CHECK_THAT(parse_error("[1, 2]"), Catch::Contains("must be a JSON object"));
    CHECK(parse_error(R"({"pkg": {"version": "1", "linux-x86_64": {"cuda12": 3}}})") ==
          "m.json:1:53: key 'pkg.linux-x86_64.cuda12': expected an archive object, got number");
}

TEST_CASE("a missing manifests directory is a clear error", "[manifest]") {
    CHECK_THROWS_WITH(load_manifest_dirs({"/nonexistent/manifests"}),
                      Catch::Contains("/nonexistent/manifests"));
}

TEST_CASE("a number too large for a double is a clean error (found by fuzzing)", "[manifest]") {
    CHECK_THAT(parse_error(R"({"release_label": "1", "p": {"version": "1", "x": 15e379}})"),
               Catch::Contains("invalid JSON") && Catch::Contains("number overflow"));
}
