// SPDX-License-Identifier: Apache-2.0
#include "support.hpp"

#include <cudapkgs/mirror/sync.hpp>
#include <cudapkgs/mirror/update.hpp>
#include <cudapkgs/util/error.hpp>

#include <catch2/catch.hpp>

#include <algorithm>

using namespace cudapkgs;
using Strings = std::vector<std::string>;

TEST_CASE("mirror: redist index pages", "[mirror]") {
    const char* html = R"(<html><body><pre>
<a href="../">../</a>
<a href="cuda_cudart/">cuda_cudart/</a>
<a href="redistrib_12.9.1.json">redistrib_12.9.1.json</a> 02-Jun-2025 80K
<a href='/compute/cuda/redist/redistrib_12.10.0.json'>x</a>
<a href=redistrib_12.8.2.json>unquoted</a>
<a href="redistrib_12.9.1.json?x=1">duplicate with a query</a>
<a href="redistrib_notes.txt">n</a> <a href="redistrib_.json">empty</a>
<a href="feature_12.8.1.json">f</a> <a href="redistrib_abc.json">no digits</a>
</pre></body></html>)";
    // Sorted by version (12.10 after 12.9), duplicates and non-manifests dropped.
    CHECK(mirror::parse_redist_index(html) == Strings{"12.8.2", "12.9.1", "12.10.0"});
    CHECK(mirror::parse_redist_index("").empty());
    CHECK(mirror::parse_redist_index("<a href=\"redistrib_1.0.json").empty()); // unterminated
}

TEST_CASE("mirror: a plan holds the closure of the chosen packages", "[mirror]") {
    auto e = test::make_evaluator();
    mirror::SyncPlan plan;
    mirror::add_set_to_plan(plan, *e, "cudaPackages_12_8", {"cudnn"});
    auto has = [&](const std::string& fragment) {
        return std::any_of(plan.archives.begin(), plan.archives.end(), [&](const auto& a) {
            return a.relative_path.find(fragment) != std::string::npos;
        });
    };
    CHECK(has("cudnn-linux-x86_64"));
    CHECK(has("libcublas-linux-x86_64")); // a dependency of cudnn
    CHECK_FALSE(has("cuda_nvcc"));
    for (const auto& a : plan.archives) {
        CHECK(a.sha256.size() == 64);
        CHECK(a.size > 0);
    }
    // The set's manifests, once each, even when a second set shares one.
    mirror::add_set_to_plan(plan, *e, "cudaPackages_12_8", {"cuda_cudart"});
    CHECK(std::count_if(plan.manifests.begin(), plan.manifests.end(),
                        [](const auto& m) { return m.product == "cuda"; }) == 1);
    CHECK_THROWS_AS(mirror::add_set_to_plan(plan, *e, "cudaPackages_12_8", {"cudnnn"}), Error);
}

TEST_CASE("mirror: a whole set skips unavailable packages with their reason", "[mirror]") {
    auto e = test::make_evaluator();
    mirror::SyncPlan plan;
    mirror::add_set_to_plan(plan, *e, "cudaPackages", {});
    CHECK(plan.archives.size() > 20);
    auto compat = std::find_if(plan.skipped.begin(), plan.skipped.end(), [](const auto& s) {
        return s.package == "cudaPackages_12_9.cuda_compat";
    });
    REQUIRE(compat != plan.skipped.end());
    CHECK(compat->reason.find("linux-x86_64") != std::string::npos);
}

TEST_CASE("mirror: platforms map to systems", "[mirror]") {
    CHECK(mirror::system_for_platform("linux-x86_64") == "x86_64-linux");
    CHECK(mirror::system_for_platform("linux-sbsa") == "aarch64-linux");
    CHECK_THROWS_AS(mirror::system_for_platform("windows-x86_64"), Error);
}
