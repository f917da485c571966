// SPDX-License-Identifier: Apache-2.0
#include "support.hpp"

#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>
#include <cudapkgs/util/hash.hpp>

#include <catch2/catch.hpp>

#include <fstream>

using namespace cudapkgs;
using nlohmann::json;

namespace {

std::shared_ptr<const pkgset::Overlay> overlay(const std::string& text) {
    return std::make_shared<const pkgset::Overlay>(pkgset::parse_overlay(text, "o.json"));
}

std::unique_ptr<pkgset::Evaluator>
evaluator(std::vector<std::shared_ptr<const pkgset::Overlay>> overlays = {},
          config::Config config = {}) {
    config.allow_unfree = true;
    pkgset::Instance base{config, "x86_64-linux", {}, std::move(overlays)};
    return std::make_unique<pkgset::Evaluator>(test::shipped_catalog(), base,
                                               pkgset::EvalSettings{});
}

const char* const kCublasPin = R"({"packages": {"libcublas": {"version": "12.8.9.9",
  "src": {"url": "https://example.org/libcublas.tar.xz",
          "sha256": "1111111111111111111111111111111111111111111111111111111111111111", "size": 10}}}})";

} // namespace

TEST_CASE("checklist 28, 30: fixups reach every version and follow CUDA versions", "[pkgset]") {
    auto e = evaluator();
    CHECK(e->eval("cudaPackages_12_8.cudnn.dependencies") == json{"libcublas", "cuda_nvrtc"});
    CHECK(e->eval("cudaPackages_12_8.cudnn_9_8.dependencies") == json{"libcublas", "cuda_nvrtc"});
    CHECK(e->eval("cudaPackages_12_8.libcusparse.dependencies") == json{"libnvjitlink"});
    CHECK(e->eval("cudaPackages_11_8.libcusparse.dependencies") == json::array());
    CHECK(e->eval("cudaPackages_12_8.libcusolver.dependencies") ==
          json{"libcublas", "libnvjitlink", "libcusparse"});
    CHECK(e->eval("cudaPackages_12_8.cuda_nvcc.mainProgram") == "nvcc");
    CHECK(e->eval("cudaPackages_12_8.cuda_cudart.outputs") ==
          json{"out", "lib", "static", "dev", "include", "stubs"});
    CHECK(e->eval("cudaPackages_12_8.cuda_sanitizer_api.outputs") == json{"out"});
}

TEST_CASE("checklist 32 and unsupported packages carry human reasons", "[pkgset]") {
    auto e = evaluator({}, {});
    auto compat = e->eval("cudaPackages_12_8.cuda_compat.unavailableReasons");
    CHECK(std::find(compat.begin(), compat.end(),
                    "Trying to use cuda_compat on aarch64-linux targeting non-Jetson devices") !=
          compat.end());
    CHECK_THAT(e->eval("cudaPackages_12_8.nvidia_driver.unavailableReasons.0").get<std::string>(),
               Catch::Contains("use the system's NVIDIA driver"));
}

TEST_CASE("every fixup evaluates in every set where its package exists", "[pkgset]") {
    auto e = evaluator();
    const auto& fixups = test::shipped_catalog().fixups();
    std::size_t evaluated = 0;
    for (const auto& def : test::shipped_catalog().sets()) {
        const auto& set = e->resolve_set(def.name);
        for (const auto& [pname, rules] : fixups.all()) {
            if (const auto* p = set.find(pname)) {
                if (p->pname != pname) {
                    // An alias for a renamed package (cuda_cccl -> cccl from CUDA 13.3).
                    CHECK(fixups.package_aliases().at(pname) == p->pname);
                    continue;
                }
                CHECK(p->fixup_origins.size() == 1);
                json value = e->eval(def.name + "." + pname);
                CHECK(value["pname"] == pname);
                if (p->available()) {
                    CHECK(value.contains("outPaths"));
                }
                ++evaluated;
            }
        }
    }
    CHECK(evaluated > 60);
}

TEST_CASE("checklist 34: an overlay replacing libcublas changes cudnn only there", "[pkgset]") {
    auto plain = evaluator();
    auto pinned = evaluator({overlay(kCublasPin)});
    const std::string path = "cudaPackages_12_8.cudnn.outPaths.out";
    CHECK(plain->eval(path) != pinned->eval(path));
    CHECK(plain->eval(path) == evaluator()->eval(path));
    CHECK(pinned->eval("cudaPackages_12_8.libcublas.version") == "12.8.9.9");
    CHECK(pinned->eval("cudaPackages_12_8.libcublas.src.url") ==
          "https://example.org/libcublas.tar.xz");
    // Packages that do not depend on cuBLAS keep their paths.
    CHECK(plain->eval("cudaPackages_12_8.cuda_cudart.outPaths") ==
          pinned->eval("cudaPackages_12_8.cuda_cudart.outPaths"));
}

TEST_CASE("checklists 25, 33: cuda_compat = null everywhere; cudart still evaluates", "[pkgset]") {
    auto e = evaluator({overlay(R"({"packages": {"cuda_compat": null}})")});
    for (const char* set : {"cudaPackages_12_6", "cudaPackages_12_8", "cudaPackages_12_9"}) {
        CHECK_THROWS_AS(e->eval(std::string(set) + ".cuda_compat"), Error);
        CHECK(e->eval(std::string(set) + ".cuda_cudart.available") == true);
    }
    CHECK_THROWS_AS(e->eval("pkgsForCudaArch.sm_89.cudaPackages_12_8.cuda_compat"), Error);
    config::Config jetson;
    jetson.cuda_capabilities = {"8.7"};
    pkgset::EvalSettings settings;
    auto arm = std::make_unique<pkgset::Evaluator>(
        test::shipped_catalog(),
        pkgset::Instance{
            jetson, "aarch64-linux", {}, {overlay(R"({"packages": {"cuda_compat": null}})")}},
        settings);
    CHECK(arm->eval("cudaPackages_12_8.cuda_cudart.dependencies") == json::array());
}

TEST_CASE("an overlay may add a package depending on cudnn, and order matters", "[pkgset]") {
    const char* add = R"({"sets": ["cudaPackages_12_8"], "packages": {"mytool": {"version": "1.0",
      "src": {"url": "file:///srv/mytool.tar.xz",
              "sha256": "2222222222222222222222222222222222222222222222222222222222222222", "size": 5},
      "rules": [{"dependencies": ["cudnn"]}]}}})";
    auto e = evaluator({overlay(add)});
    CHECK(e->eval("cudaPackages_12_8.mytool.dependencies") == json{"cudnn"});
    CHECK(e->eval("cudaPackages_12_8.mytool.available") == true);
    CHECK_THROWS_AS(e->eval("cudaPackages_13_0.mytool"), Error);
    // Removing cudnn afterwards makes mytool unavailable, naming the dependency.
    auto removed = evaluator({overlay(add), overlay(R"({"packages": {"cudnn": null}})")});
    CHECK_THAT(removed->eval("cudaPackages_12_8.mytool.unavailableReasons.0").get<std::string>(),
               Catch::Contains("dependency 'cudnn' is not in cudaPackages_12_8"));
    // Two overlays touching one package: the later one wins.
    auto v1 = overlay(R"({"packages": {"libcublas": {"version": "1.0.0"}}})");
    auto v2 = overlay(R"({"packages": {"libcublas": {"version": "2.0.0"}}})");
    CHECK(evaluator({v1, v2})->eval("cudaPackages_12_8.libcublas.version") == "2.0.0");
    CHECK(evaluator({v2, v1})->eval("cudaPackages_12_8.libcublas.version") == "1.0.0");
}

TEST_CASE("overlay errors name file, line and key", "[pkgset]") {
    CHECK_THROWS_WITH(pkgset::parse_overlay(R"({"packages": {"x": {"verison": "1"}}})", "o.json"),
                      Catch::Contains("unknown key 'verison'"));
    CHECK_THROWS_WITH(
        pkgset::parse_overlay(R"({"packages": {"x": {"src": {"url": "a"}}}})", "o.json"),
        Catch::Contains("absolute URL"));
    CHECK_THROWS_WITH(
        pkgset::parse_overlay(R"({"packages": {"x": {"rules": [{"oops": 1}]}}})", "o.json"),
        Catch::Contains("key 'packages.x.rules.0': unknown key 'oops'"));
    auto e = evaluator({overlay(R"({"packages": {"newpkg": {"version": "1.0"}}})")});
    CHECK_THROWS_WITH(e->eval("cudaPackages_12_8.cudaMajorVersion"),
                      Catch::Contains("gives no version and src"));
}

TEST_CASE("store paths: inputs change them, capabilities and the store dir do not", "[pkgset]") {
    auto base = evaluator();
    const std::string cudnn = "cudaPackages_12_8.cudnn.outPaths.out";
    config::Config caps;
    caps.cuda_capabilities = {"8.6"};
    caps.cuda_forward_compat = false;
    CHECK(evaluator({}, caps)->eval(cudnn) == base->eval(cudnn));
    CHECK(base->eval("pkgsForCudaArch.sm_90.cudaPackages_12_8.cudnn.outPaths.out") ==
          base->eval(cudnn));
    // The evaluator knows no store directory: it is applied when the value is shown.
    auto a = test::eval_in_store(*base, cudnn, "/store").get<std::string>();
    auto b = test::eval_in_store(*base, cudnn, "/elsewhere").get<std::string>();
    CHECK(a.substr(a.rfind('/')) == b.substr(b.rfind('/')));
    CHECK(a == "/store/" + base->eval(cudnn).get<std::string>());
    // Any input change changes the hash: version, source, a dependency, a fixup rule.
    const auto& set = base->resolve_set("cudaPackages_12_8");
    const auto* pkg = set.find("cudnn");
    const auto& drv = base->derivation(set, *pkg);
    for (const char* field : {"version", "pname", "system", "builder"}) {
        json changed = drv.inputs;
        changed[field] = changed[field].get<std::string>() + "x";
        CHECK(util::sha256_hex(changed.dump()) != drv.hash);
    }
    json changed = drv.inputs;
    changed["src"]["sha256"] = std::string(64, '0');
    CHECK(util::sha256_hex(changed.dump()) != drv.hash);
    CHECK(util::sha256_hex(drv.inputs.dump()) == drv.hash);
    auto extra = evaluator(
        {overlay(R"({"packages": {"cudnn": {"rules": [{"ignoreMissing": ["libfoo.so"]}]}}})")});
    CHECK(extra->eval(cudnn) != base->eval(cudnn));
}

TEST_CASE("golden derivation JSON", "[pkgset]") {
    auto e = evaluator();
    for (const char* attr : {"cudnn", "cuda_nvcc", "cuda_cudart"}) {
        const auto& set = e->resolve_set("cudaPackages_13_0");
        const auto& drv = e->derivation(set, set.get(attr));
        CHECK(test::matches_golden(std::string("pkgset/drv-") + attr + "-13_0.expected.json",
                                   drv.inputs.dump(2) + "\n"));
    }
}
