// SPDX-License-Identifier: Apache-2.0
#include "support.hpp"

#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <catch2/catch.hpp>

#include <fstream>

using namespace cudapkgs;
using nlohmann::json;
using Strings = std::vector<std::string>;

namespace {

config::Config unfree_ok() {
    config::Config c;
    c.allow_unfree = true;
    return c;
}

std::string error_of(pkgset::Evaluator& e, const std::string& path) {
    try {
        e.eval(path);
    } catch (const Error& err) {
        CHECK(err.kind() == ErrorKind::InvalidInput);
        std::string all = err.what();
        for (const auto& n : err.notes()) {
            all += "\n" + n;
        }
        return all;
    }
    return {};
}

} // namespace

TEST_CASE("checklist 1: aliases resolve to the pinned sets", "[pkgset]") {
    auto e = test::make_evaluator();
    CHECK(e->eval("cudaPackages.cudaMajorMinorVersion") == "12.9");
    CHECK(e->eval("cudaPackages_12.cudaMajorMinorPatchVersion") == "12.9.2");
    CHECK(e->eval("cudaPackages_13.cudaMajorMinorPatchVersion") == "13.2.2");
    CHECK(&e->resolve_set("cudaPackages") == &e->resolve_set("cudaPackages_12_9"));
}

TEST_CASE("checklist 2: set attributes", "[pkgset]") {
    auto e = test::make_evaluator();
    CHECK(e->eval("cudaPackages_12_8.manifests.cuda") == "12.8.2");
    CHECK(e->eval("cudaPackages_12_8.cudaMajorMinorVersion") == "12.8");
    CHECK(e->eval("cudaPackages_12_8.cudaMajorVersion") == "12");
    CHECK(e->eval("cudaPackages_12_8.cudaNamePrefix") == "cuda12.8");
    CHECK(e->eval("cudaPackages_13_0.manifests") == json{{"cublasmp", "0.10.0"},
                                                         {"cuda", "13.0.3"},
                                                         {"cudnn", "9.27.0"},
                                                         {"cudss", "0.8.0"},
                                                         {"cuquantum", "26.09.0"},
                                                         {"cusolvermp", "0.9.1"},
                                                         {"cusparselt", "0.10.0"},
                                                         {"cutensor", "2.8.1"},
                                                         {"nppplus", "0.10.0"},
                                                         {"nvcomp", "5.3.0"},
                                                         {"nvjpeg2000", "0.11.0"},
                                                         {"nvpl", "26.5"},
                                                         {"nvtiff", "0.8.0"},
                                                         {"tensorrt", "11.3.0"}});
}

TEST_CASE("checklist 3: a pin naming a missing manifest is an error", "[pkgset]") {
    util::ScopedTempDir dir;
    std::filesystem::create_directories(dir.path() / "cuda");
    std::filesystem::copy_file(test::source_dir() / "manifests/cuda/redistrib_12.8.2.json",
                               dir.path() / "cuda/redistrib_12.8.2.json");
    std::ofstream(dir.path() / "sets.json")
        << R"({"sets": {"cudaPackages_12_8": {"cuda": "12.8.9"}}})";
    auto store = manifest::load_manifest_dirs({dir.path()});
    CHECK_THROWS_WITH(pkgset::Catalog(std::move(store)),
                      Catch::Contains("pins cuda 12.8.9") &&
                          Catch::Contains("redistrib_12.8.9.json"));
}

TEST_CASE("checklist 5 and the fallback rule: unpinned manifests still get sets", "[pkgset]") {
    const auto& catalog = test::shipped_catalog();
    const auto* legacy = catalog.find_set("cudaPackages_11_8");
    REQUIRE(legacy != nullptr);
    CHECK_FALSE(legacy->pinned);
    CHECK(legacy->cuda.str() == "11.8.0");
    util::ScopedTempDir empty;
    pkgset::Catalog none(manifest::load_manifest_dirs({empty.path()}));
    CHECK(none.sets().empty());
}

TEST_CASE("checklist 7: every manifest key is a package", "[pkgset]") {
    auto e = test::make_evaluator();
    const auto& set = e->resolve_set("cudaPackages_12_8");
    for (const auto& entry : set.definition().cuda_manifest->entries) {
        const auto* p = set.find(entry.key);
        REQUIRE(p != nullptr);
        CHECK(p->pname == entry.key);
        CHECK(p->version == entry.version);
    }
    CHECK(e->eval("cudaPackages_12_8.cuda_nvcc.version") == "12.8.93");
}

TEST_CASE("checklists 8, 9, 58: multiplexed cuDNN", "[pkgset]") {
    auto e = test::make_evaluator();
    CHECK(e->eval("cudaPackages_12_8.cudnn.version") == "9.27.0.42");
    CHECK(e->eval("cudaPackages_12_8.cudnn_9_8.version") == "9.8.0.87");
    CHECK(e->eval("cudaPackages_12_8.cudnn_9_8.available") == true);
    CHECK_THAT(e->eval("cudaPackages_12_8.cudnn.src.url").get<std::string>(),
               Catch::EndsWith("cudnn-linux-x86_64-9.27.0.42_cuda12-archive.tar.xz"));
    CHECK_THAT(e->eval("cudaPackages_13_0.cudnn.src.url").get<std::string>(),
               Catch::EndsWith("cudnn-linux-x86_64-9.27.0.42_cuda13-archive.tar.xz"));
    CHECK(e->eval("cudaPackages_13_0.cudnn_9_8.available") == false);
    CHECK(e->eval("cudaPackages_13_0.cudnn_9_8.src") == nullptr);
    CHECK_THAT(e->eval("cudaPackages_13_0.cudnn_9_8.unavailableReasons.0").get<std::string>(),
               Catch::StartsWith("CUDA version is too new"));
    CHECK(e->eval("cudaPackages_11_8.cudnn.version") == "9.8.0.87");
    CHECK_THAT(e->eval("cudaPackages_11_8.cudnn_9_13.unavailableReasons.0").get<std::string>(),
               Catch::StartsWith("CUDA version is too old"));
}

TEST_CASE("checklist 10: source and linux-all serve both systems", "[pkgset]") {
    for (const char* system : {"x86_64-linux", "aarch64-linux"}) {
        auto e = test::make_evaluator({}, system);
        CHECK(e->eval("cudaPackages_12_8.cudnn_samples.available") == true);
        CHECK_THAT(e->eval("cudaPackages_12_8.cudnn_samples.src.url").get<std::string>(),
                   Catch::Contains("/source/"));
        CHECK_THAT(e->eval("cudaPackages_12_8.driver_assistant.src.url").get<std::string>(),
                   Catch::Contains("/source/"));
    }
}

TEST_CASE("checklists 11-12: archives follow the redist system", "[pkgset]") {
    auto sbsa = test::make_evaluator({}, "aarch64-linux");
    CHECK_THAT(sbsa->eval("cudaPackages_12_8.cuda_nvcc.src.url").get<std::string>(),
               Catch::Contains("linux-sbsa"));
    config::Config jetson;
    jetson.cuda_capabilities = {"8.7"};
    auto orin = test::make_evaluator(jetson, "aarch64-linux");
    CHECK(orin->eval("cudaPackages_12_8.redistSystem") == "linux-aarch64");
    CHECK_THAT(orin->eval("cudaPackages_12_8.cuda_nvcc.src.url").get<std::string>(),
               Catch::Contains("linux-aarch64"));
    CHECK(orin->eval("cudaPackages_13_0.redistSystem") == "linux-sbsa");
}

TEST_CASE("checklist 13: other systems evaluate with nothing available", "[pkgset]") {
    auto e = test::make_evaluator({}, "riscv64-linux");
    const auto& set = e->resolve_set("cudaPackages_12_8");
    CHECK(set.redist_system() == "unsupported");
    for (const auto& p : set.packages()) {
        CHECK_FALSE(p.available());
    }
}

TEST_CASE("checklists 14-15: missing platform and meta.platforms", "[pkgset]") {
    auto e = test::make_evaluator();
    CHECK(e->eval("cudaPackages_12_8.cuda_compat.src") == nullptr);
    CHECK_THAT(e->eval("cudaPackages_12_8.cuda_compat.unavailableReasons.0").get<std::string>(),
               Catch::Contains("no archive for linux-x86_64"));
    CHECK(e->eval("cudaPackages_12_8.cuda_compat.platforms") == json{"aarch64-linux"});
    CHECK(e->eval("cudaPackages_12_8.nsight_vse.platforms") == json::array());
    CHECK(e->eval("cudaPackages_12_8.cuda_nvcc.platforms") ==
          json{"aarch64-linux", "x86_64-linux"});
}

TEST_CASE("checklist 47: pkgsForCudaArch has every capability", "[pkgset]") {
    auto e = test::make_evaluator();
    auto names = e->eval("pkgsForCudaArch");
    CHECK(names.size() == capabilities::CapabilityTable::builtin().all().size());
    for (const char* n : {"sm_87", "sm_90a", "sm_100f", "sm_35"}) {
        CHECK(std::find(names.begin(), names.end(), n) != names.end());
    }
    CHECK(e->eval("pkgsForCudaArch.sm_89.cudaPackages_12_8.cudaCapabilities") == json{"8.9"});
    CHECK(e->eval("pkgsForCudaArch.sm_89.cudaPackages_12_8.cudaForwardCompat") == false);
    CHECK(e->eval("pkgsForCudaArch.sm_89.cudaPackages.flags.gencode") ==
          json{"-gencode=arch=compute_89,code=sm_89"});
    CHECK(e->eval("pkgsForCudaArch.sm_89.cudaPackages.flags.cmakeCudaArchitecturesString") == "89");
    CHECK_THAT(error_of(*e, "pkgsForCudaArch.sm_100.cudaPackages_12_6.flags"),
               Catch::Contains("too new for CUDA 12.6"));
    CHECK_THAT(error_of(*e, "pkgsForCudaArch.sm_91"), Catch::Contains("not found"));
}

TEST_CASE("checklist 48: pkgsCuda keeps default capabilities", "[pkgset]") {
    config::Config off;
    off.cuda_support = false;
    auto e = test::make_evaluator(off);
    CHECK(e->eval("cudaPackages_12_8.cuda_nvcc.available") == false);
    CHECK(e->eval("pkgsCuda.cudaPackages_12_8.cuda_nvcc.available") == true);
    CHECK(e->eval("pkgsCuda.cudaPackages_12_8.cudaCapabilities") ==
          e->eval("cudaPackages_12_8.cudaCapabilities"));
}

TEST_CASE("checklists 51-52: unfree licences must be accepted", "[pkgset]") {
    auto e = test::make_evaluator();
    CHECK(e->eval("cudaPackages_12_8.cudnn.version") == "9.27.0.42");
    CHECK_FALSE(e->eval("cudaPackages_12_8.cudnn").contains("outPaths"));
    auto msg = error_of(*e, "cudaPackages_12_8.cudnn.outPaths");
    CHECK_THAT(msg, Catch::Contains("'cuDNN EULA'") && Catch::Contains("allowUnfreeLicenses") &&
                        Catch::Contains("CUDAPKGS_ALLOW_UNFREE=1"));

    config::Config by_name;
    by_name.allow_unfree_licenses = {"cuDNN EULA"};
    auto named = test::make_evaluator(by_name);
    CHECK(named->eval("cudaPackages_12_8.cudnn.outPaths").is_object());
    CHECK_FALSE(error_of(*named, "cudaPackages_12_8.libcublas.outPaths").empty());
    CHECK(test::make_evaluator(unfree_ok())
              ->eval("cudaPackages_12_8.libcublas.outPaths")
              .is_object());
    CHECK(e->eval("cudaPackages_12_8.driver_assistant.license.free") == true);
}

TEST_CASE("checklist 57: <set>.pkgs does not leak the default set", "[pkgset]") {
    auto e = test::make_evaluator();
    CHECK(e->eval("cudaPackages_12_8.pkgs.cudaPackages.cudaMajorMinorVersion") == "12.8");
    CHECK(e->eval("cudaPackages_12_8.pkgs.cudaPackages_12.cudaMajorMinorVersion") == "12.8");
    CHECK(e->eval("cudaPackages_12_8.pkgs.cudaPackages_13.cudaMajorMinorVersion") == "13.2");
    CHECK(e->eval("cudaPackages.cudaMajorMinorVersion") == "12.9");
}

TEST_CASE("unknown attributes suggest a spelling", "[pkgset]") {
    auto e = test::make_evaluator();
    CHECK_THAT(error_of(*e, "cudaPackages_12_8.cudn"), Catch::Contains("did you mean 'cudnn'?"));
    CHECK_THAT(error_of(*e, "cudaPackage_12_8"),
               Catch::Contains("did you mean 'cudaPackages_12_8'?"));
    CHECK_THAT(error_of(*e, "cudaPackages_12_8.cudnn.verison"),
               Catch::Contains("did you mean 'version'?"));
}

TEST_CASE("golden JSON: flags and packages", "[pkgset]") {
    auto e = test::make_evaluator(unfree_ok());
    CHECK(test::matches_golden("pkgset/flags-12_8.expected.json",
                               e->eval("cudaPackages_12_8.flags").dump(2) + "\n"));
    CHECK(test::matches_golden("pkgset/flags-13_0.expected.json",
                               e->eval("cudaPackages_13_0.flags").dump(2) + "\n"));
    CHECK(test::matches_golden("pkgset/cudnn-13_0.expected.json",
                               test::eval_in_store(*e, "cudaPackages_13_0.cudnn").dump(2) + "\n"));
    CHECK(test::matches_golden("pkgset/cuda_cudart-12_8.expected.json",
                               test::eval_in_store(*e, "cudaPackages_12_8.cuda_cudart").dump(2) +
                                   "\n"));
}

TEST_CASE("catalogue: configuration-dependent pins are data, and the branch is recorded",
          "[pkgset][catalog]") {
    auto x86 = test::make_evaluator();
    CHECK(x86->eval("cudaPackages_12_6.manifests.tensorrt") == "11.3.0");
    CHECK(x86->eval("cudaPackages_12_6.manifests.cudnn") == "9.27.0");
    CHECK(x86->resolve_set("cudaPackages_12_6").pin_branches() ==
          std::map<std::string, std::string>{{"cudnn", "default"}, {"tensorrt", "default"}});
    auto sbsa = test::make_evaluator({}, "aarch64-linux");
    CHECK(sbsa->eval("cudaPackages_12_6.manifests.tensorrt") == "10.13.0");
    CHECK(sbsa->resolve_set("cudaPackages_12_6").pin_branches().at("tensorrt") ==
          "systems=aarch64-linux");
    CHECK(sbsa->eval("cudaPackages_13_2.manifests.tensorrt") == "11.3.0");
    config::Config orin;
    orin.cuda_capabilities = {"8.7"};
    auto jetson = test::make_evaluator(orin, "aarch64-linux");
    CHECK(jetson->eval("cudaPackages_12_6.manifests.cudnn") == "9.20.0");
    CHECK(jetson->eval("cudaPackages_12_6.manifests.tensorrt") == "10.7.0");
    CHECK(jetson->resolve_set("cudaPackages_12_6").pin_branches().at("cudnn") == "jetson");
    // Every set pins the shared products.
    for (const char* set : {"cudaPackages_12_6", "cudaPackages_13_4"}) {
        CHECK(x86->eval(std::string(set) + ".manifests.cudss") == "0.8.0");
        CHECK(x86->eval(std::string(set) + ".manifests.nvpl") == "26.5");
    }
}

TEST_CASE("catalogue: outputs are declared per package, the same in every set",
          "[pkgset][catalog]") {
    auto e = test::make_evaluator();
    for (const char* pkg : {"libcufft", "libnpp", "libnvjitlink", "cuda_cupti", "cuda_nvcc",
                            "cuda_cudart", "libcublas"}) {
        json first = e->eval(std::string("cudaPackages_12_8.") + pkg + ".outputs");
        for (const char* set : {"cudaPackages_12_6", "cudaPackages_12_9", "cudaPackages_13_0",
                                "cudaPackages_13_2", "cudaPackages_13_4"}) {
            INFO(set << "." << pkg);
            CHECK(e->eval(std::string(set) + "." + pkg + ".outputs") == first);
        }
    }
    CHECK(e->eval("cudaPackages_13_0.libcufft.outputs") == json{"out", "lib", "static", "dev"});
    CHECK(e->eval("cudaPackages_13_2.tensorrt.outputs") ==
          json{"out", "bin", "lib", "static", "dev", "include", "doc", "sample", "python"});
    CHECK(e->eval("cudaPackages_13_2.libnpp_plus.outputs") ==
          json{"out", "lib", "static", "dev", "include", "stubs"});
}

TEST_CASE("catalogue: new products, platforms and licences", "[pkgset][catalog]") {
    auto e = test::make_evaluator();
    CHECK(e->eval("cudaPackages_13_2.tensorrt.license.shortName") == "TensorRT EULA");
    CHECK(e->eval("cudaPackages_13_2.tensorrt.available") == true);
    CHECK(e->eval("cudaPackages_13_2.libcublasmp.license.shortName") == "NVIDIA Math SDK SLA");
    CHECK(e->eval("cudaPackages_13_2.nvpl_blas.available") == false);
    CHECK(e->eval("cudaPackages_13_2.libcudss.version") == "0.8.0.10");
    CHECK(
        test::make_evaluator({}, "aarch64-linux")->eval("cudaPackages_13_2.nvpl_blas.available") ==
        true);
    // cuSPARSELt 0.8.1 only from CUDA 12.9.
    for (const char* set : {"cudaPackages_12_6", "cudaPackages_12_8"}) {
        CHECK(e->eval(std::string(set) + ".libcusparse_lt_0_8.available") == false);
        CHECK(e->eval(std::string(set) + ".libcusparse_lt.version") == "0.6.3.2");
    }
    CHECK(e->eval("cudaPackages_12_9.libcusparse_lt.version") == "0.8.1.1");
    CHECK(e->eval("cudaPackages_13_0.libcusparse_lt.version") == "0.10.0.12");
    // CUDA 13.3 names CCCL `cccl`; `cuda_cccl` stays, the same package.
    CHECK(e->eval("cudaPackages_13_3.cuda_cccl.pname") == "cccl");
    CHECK(e->eval("cudaPackages_13_3.cuda_nvcc.available") == true);
    // cuda_compat from 13.2 is keyed cuda13.2.
    CHECK(e->eval("cudaPackages_13_2.cuda_compat.src") != nullptr);
    // TensorRT archives sit outside <product>/redist.
    const auto& set = e->resolve_set("cudaPackages_13_2");
    REQUIRE(set.find("tensorrt")->src);
    CHECK(set.find("tensorrt")->src->base_path == "machine-learning");
    CHECK_THAT(set.find("tensorrt")->src->relative_path, Catch::EndsWith(".tar.zst"));
    CHECK(set.find("libcublas")->src->base_path == "cuda/redist");
}

TEST_CASE("sets.json: pin branches are checked", "[pkgset][catalog]") {
    auto pin_error = [](const char* text) {
        try {
            manifest::parse_set_pins(text, "sets.json");
        } catch (const Error& e) {
            std::string all = e.what();
            for (const auto& n : e.notes()) {
                all += "\n" + n;
            }
            return all;
        }
        return std::string();
    };
    CHECK_THAT(pin_error(R"({"sets": {"cudaPackages_1_0": {"cuda": "1.0",
                        "cudnn": [{"when": {"jetson": true}, "version": "9"}]}}})"),
               Catch::Contains("the last branch of a pin must have no 'when'"));
    CHECK_THAT(pin_error(R"({"sets": {"cudaPackages_1_0": {"cuda": "1.0",
                        "cudnn": [{"when": {"jetsn": true}, "version": "9"}, {"version": "8"}]}}})"),
               Catch::Contains("did you mean 'jetson'?"));
    CHECK_THAT(pin_error(R"({"layouts": {"tensorrt": {"basePath": "../x"}}})"),
               Catch::Contains("unsafe basePath"));
    CHECK_THAT(pin_error(R"({"comon": {}})"), Catch::Contains("did you mean 'common'?"));
}
