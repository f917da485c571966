// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/capabilities/capabilities.hpp>
#include <cudapkgs/util/error.hpp>

#include <catch2/catch.hpp>

using namespace cudapkgs;
using namespace cudapkgs::capabilities;
using version::Version;
using Strings = std::vector<std::string>;

namespace {
const CapabilityTable& table() {
    return CapabilityTable::builtin();
}

std::string validation_error(const Strings& caps, const char* cuda, const char* system) {
    try {
        validate(table(), caps, Version::parse(cuda), system, "cudaPackages_test");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::InvalidInput);
        std::string all = e.what();
        for (const auto& n : e.notes()) {
            all += "\n" + n;
        }
        return all;
    }
    return {};
}
} // namespace

TEST_CASE("checklist 35: default capabilities per CUDA version", "[capabilities]") {
    CHECK(table().defaults_for(Version::parse("12.6")) ==
          Strings{"7.5", "8.0", "8.6", "8.9", "9.0"});
    CHECK(table().defaults_for(Version::parse("12.8")) ==
          Strings{"7.5", "8.0", "8.6", "8.9", "9.0", "10.0", "12.0"});
    const Strings newest{"7.5", "8.0", "8.6", "8.9", "9.0", "10.0", "10.3", "12.0", "12.1"};
    CHECK(table().defaults_for(Version::parse("12.9")) == newest);
    CHECK(table().defaults_for(Version::parse("13.0")) == newest);
}

TEST_CASE("checklist 36: Jetson, a and f capabilities are never defaults", "[capabilities]") {
    for (const char* cuda : {"11.8", "12.0", "12.6", "12.8", "12.9", "13.0"}) {
        for (const auto& cap : table().defaults_for(Version::parse(cuda))) {
            const auto* info = table().find(cap);
            REQUIRE(info != nullptr);
            CHECK_FALSE(info->is_jetson);
            CHECK_FALSE(info->is_arch_specific);
            CHECK_FALSE(info->is_family_specific);
        }
    }
}

TEST_CASE("the table is sorted with a/f variants after their baseline", "[capabilities]") {
    Strings order;
    for (const auto& row : table().all()) {
        order.push_back(row.capability);
    }
    auto pos = [&](const char* c) {
        return std::find(order.begin(), order.end(), c) - order.begin();
    };
    CHECK(pos("9.0") + 1 == pos("9.0a"));
    CHECK(pos("10.0") + 1 == pos("10.0a"));
    CHECK(pos("10.0a") + 1 == pos("10.0f"));
    CHECK(pos("10.0f") + 1 == pos("10.1"));
}

TEST_CASE("checklist 39: nixpkgs' golden flags for 7.5 and 8.6", "[capabilities]") {
    auto f = format_flags(table(), {"7.5", "8.6"}, true);
    CHECK(f.real_arches == Strings{"sm_75", "sm_86"});
    CHECK(f.virtual_arches == Strings{"compute_75", "compute_86"});
    CHECK(f.arches == Strings{"sm_75", "sm_86", "compute_86"});
    CHECK(f.gencode == Strings{"-gencode=arch=compute_75,code=sm_75",
                               "-gencode=arch=compute_86,code=sm_86",
                               "-gencode=arch=compute_86,code=compute_86"});
    CHECK(f.gencode_string == "-gencode=arch=compute_75,code=sm_75 "
                              "-gencode=arch=compute_86,code=sm_86 "
                              "-gencode=arch=compute_86,code=compute_86");
    CHECK(f.cmake_cuda_architectures == "75;86");
    CHECK(f.arch_names == Strings{"Ampere", "Turing"});
}

TEST_CASE("checklist 40: no PTX without forward compat", "[capabilities]") {
    auto f = format_flags(table(), {"7.5", "8.6"}, false);
    CHECK(f.arches == f.real_arches);
    for (const auto& g : f.gencode) {
        CHECK(g.find("code=compute_") == std::string::npos);
    }
}

TEST_CASE("checklist 41: PTX goes to the last listed capability", "[capabilities]") {
    auto f = format_flags(table(), {"8.6", "7.5"}, true);
    CHECK(f.gencode.back() == "-gencode=arch=compute_75,code=compute_75");
}

TEST_CASE("checklist 42: cmake architectures keep suffixes", "[capabilities]") {
    CHECK(format_flags(table(), {"8.9", "10.0a"}, true).cmake_cuda_architectures == "89;100a");
}

TEST_CASE("checklist 43: unknown capabilities are named", "[capabilities]") {
    auto msg = validation_error({"8.6", "4.2"}, "12.8", "x86_64-linux");
    CHECK_THAT(msg, Catch::Contains("unrecognized CUDA capability '4.2'"));
    CHECK_THAT(msg, Catch::Contains("CUDA 12.8 supports:"));
}

TEST_CASE("checklist 44: too new and too old capabilities", "[capabilities]") {
    CHECK_THAT(validation_error({"10.0"}, "12.6", "x86_64-linux"),
               Catch::Contains("10.0 is too new for CUDA 12.6"));
    CHECK_THAT(validation_error({"7.0"}, "13.0", "x86_64-linux"),
               Catch::Contains("7.0 is too old for CUDA 13.0"));
    CHECK(validation_error({"8.6", "9.0"}, "12.6", "x86_64-linux").empty());
}

TEST_CASE("checklist 45: Jetson needs aarch64-linux", "[capabilities]") {
    CHECK_THAT(validation_error({"8.7"}, "12.8", "x86_64-linux"),
               Catch::Contains("require an aarch64-linux system (currently x86_64-linux)"));
    CHECK(validation_error({"8.7"}, "12.8", "aarch64-linux").empty());
}

TEST_CASE("checklist 46: Jetson cannot be mixed", "[capabilities]") {
    CHECK_THAT(validation_error({"8.7", "8.6"}, "12.8", "aarch64-linux"),
               Catch::Contains("cannot be combined with non-Jetson capabilities (8.6)"));
}

TEST_CASE("checklists 11-13: redist systems", "[capabilities]") {
    auto v12 = Version::parse("12.8");
    auto v13 = Version::parse("13.0");
    CHECK(redist_system(table(), "x86_64-linux", {}, v12) == "linux-x86_64");
    CHECK(redist_system(table(), "aarch64-linux", {}, v12) == "linux-sbsa");
    CHECK(redist_system(table(), "aarch64-linux", {"8.7"}, v12) == "linux-aarch64");
    CHECK(redist_system(table(), "aarch64-linux", {"11.0"}, v13) == "linux-sbsa");
    CHECK(redist_system(table(), "riscv64-linux", {}, v12) == "unsupported");
}
