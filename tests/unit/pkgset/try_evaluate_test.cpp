// SPDX-License-Identifier: Apache-2.0
#include "support.hpp"

#include <cudapkgs/util/error.hpp>

#include <catch2/catch.hpp>

using namespace cudapkgs;

namespace {

std::string thrown_by(pkgset::Evaluator& e, const std::string& path) {
    try {
        e.evaluate(path);
    } catch (const Error& err) {
        return err.what();
    }
    return {};
}

} // namespace

TEST_CASE("try_evaluate returns a refusal that evaluate throws", "[pkgset]") {
    config::Config unfree;
    unfree.allow_unfree = true;
    auto e = test::make_evaluator(unfree);
    for (const char* path : {"pkgsForCudaArch.sm_100.cudaPackages_12_6.libcublas",
                             "pkgsForCudaArch.sm_100.cudaPackages_12_6.flags"}) {
        auto result = e->try_evaluate(path);
        REQUIRE(result.refused != nullptr);
        CHECK(result.value.value().is_null());
        CHECK(result.refused->kind() == ErrorKind::InvalidInput);
        CHECK_THAT(result.refused->what(), Catch::Contains("too new for CUDA 12.6"));
        CHECK(thrown_by(*e, path) == result.refused->what());
    }
    auto fine = e->try_evaluate("pkgsForCudaArch.sm_90.cudaPackages_12_6.libcublas");
    CHECK(fine.refused == nullptr);
    CHECK(fine.value.value() == e->eval("pkgsForCudaArch.sm_90.cudaPackages_12_6.libcublas"));
    // Anything else is still thrown.
    CHECK_THROWS_AS(e->try_evaluate("cudaPackages_12_6.no_such_package"), Error);
}

TEST_CASE("package objects are shared between variants, not copied", "[pkgset]") {
    auto e = test::make_evaluator();
    auto a = e->evaluate("pkgsCuda.cudaPackages_12_8.cuda_cudart");
    auto b = e->evaluate("pkgsForCudaArch.sm_89.cudaPackages_12_8.cuda_cudart");
    CHECK(&a.value() == &b.value());
}
