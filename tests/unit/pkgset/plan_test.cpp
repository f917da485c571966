// SPDX-License-Identifier: Apache-2.0
// pkgset::closure() and build_plan(): order, dedupe and the one rule for a dependency that is
// missing or unavailable.
#include "support.hpp"

#include <cudapkgs/pkgset/plan.hpp>
#include <cudapkgs/util/error.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <set>

using namespace cudapkgs;
using Strings = std::vector<std::string>;

namespace {

/// A set of synthetic packages (name → dependencies; names in `unavailable` are unavailable).
struct SyntheticSet {
    SyntheticSet(const std::map<std::string, Strings>& packages, const Strings& unavailable = {})
        : instance{config::Config{}, "x86_64-linux", {}, {}} {
        auto contents = std::make_shared<pkgset::SetContents>();
        for (const auto& [name, deps] : packages) { // a std::map: sorted as sets are
            pkgset::Package p;
            p.attr = p.pname = name;
            p.version = "1.0";
            p.outputs = {"out"};
            p.dependencies = deps;
            if (std::find(unavailable.begin(), unavailable.end(), name) != unavailable.end()) {
                p.unavailable_reasons = {name + " is broken", "and old"};
            }
            contents->index.emplace(name, contents->packages.size());
            contents->packages.push_back(std::move(p));
        }
        const auto* def = test::shipped_catalog().find_set("cudaPackages_12_8");
        set = std::make_unique<pkgset::PackageSet>(test::shipped_catalog(), *def, instance,
                                                   std::move(contents));
    }

    pkgset::ResolvedPackage target(const std::string& name) const {
        return {set.get(), set->find(name), set->attrpath(name)};
    }

    pkgset::Instance instance;
    std::unique_ptr<pkgset::PackageSet> set;
};

Strings attrpaths(const std::vector<pkgset::ClosureItem>& items) {
    Strings out;
    for (const auto& i : items) {
        out.push_back(i.attrpath);
    }
    return out;
}

Error error_of(const std::vector<pkgset::ResolvedPackage>& targets) {
    try {
        pkgset::closure(targets);
    } catch (const Error& e) {
        return e;
    }
    FAIL("closure() did not throw");
    return Error(ErrorKind::Internal, "unreachable");
}

} // namespace

TEST_CASE("closure: dependencies first, each package once", "[pkgset][plan]") {
    SyntheticSet s({{"app", {"lib", "util"}},
                    {"lib", {"util", "base"}},
                    {"util", {"base"}},
                    {"base", {}},
                    {"tool", {"base"}}});
    CHECK(attrpaths(pkgset::closure({s.target("app")})) ==
          Strings{"cudaPackages_12_8.base", "cudaPackages_12_8.util", "cudaPackages_12_8.lib",
                  "cudaPackages_12_8.app"});
    // Several targets share one walk: what an earlier target brought is not repeated.
    CHECK(attrpaths(pkgset::closure({s.target("tool"), s.target("app"), s.target("base")})) ==
          Strings{"cudaPackages_12_8.base", "cudaPackages_12_8.tool", "cudaPackages_12_8.util",
                  "cudaPackages_12_8.lib", "cudaPackages_12_8.app"});
    // Discovery order: each package before its dependencies.
    CHECK(attrpaths(pkgset::closure({s.target("app")}, pkgset::ClosureOrder::Discovery)) ==
          Strings{"cudaPackages_12_8.app", "cudaPackages_12_8.lib", "cudaPackages_12_8.util",
                  "cudaPackages_12_8.base"});
}

TEST_CASE("closure: an unavailable dependency is an error naming the chain", "[pkgset][plan]") {
    SyntheticSet s({{"cudnn", {"libcublas"}}, {"libcublas", {"cuda_nvrtc"}}, {"cuda_nvrtc", {}}},
                   {"cuda_nvrtc"});
    Error e = error_of({s.target("cudnn")});
    CHECK(e.kind() == ErrorKind::InvalidInput);
    CHECK(std::string(e.what()) ==
          "cudaPackages_12_8.cudnn → libcublas → cuda_nvrtc: not available");
    CHECK(e.notes() == Strings{"cuda_nvrtc is broken", "and old"});
    // The target itself unavailable: named as `eval` and require_buildable() name it.
    Error own = error_of({s.target("cuda_nvrtc")});
    CHECK(std::string(own.what()) == "'cudaPackages_12_8.cuda_nvrtc' is not available");
    CHECK(own.notes() == Strings{"cuda_nvrtc is broken", "and old"});
}

TEST_CASE("closure: a missing dependency and a cycle are errors naming the chain",
          "[pkgset][plan]") {
    SyntheticSet missing(
        {{"cudnn", {"libcublas"}}, {"libcublas", {"libcublsa_x"}}, {"libcublas_x", {}}});
    Error e = error_of({missing.target("cudnn")});
    CHECK(std::string(e.what()) == "cudaPackages_12_8.cudnn → libcublas → libcublsa_x: "
                                   "'libcublsa_x' is not in cudaPackages_12_8");
    CHECK(e.notes() == Strings{"did you mean 'libcublas_x'?"});

    SyntheticSet cycle(std::map<std::string, Strings>{{"a", {"b"}}, {"b", {"a"}}});
    CHECK_THAT(error_of({cycle.target("a")}).what(),
               Catch::Contains("cudaPackages_12_8.a → b → a: dependency cycle"));
}

TEST_CASE("build_plan: each package with its derivation", "[pkgset][plan]") {
    config::Config ok;
    ok.allow_unfree = true;
    auto e = test::make_evaluator(ok);
    auto cudnn = e->resolve_package("cudaPackages_12_8.cudnn");
    auto plan = pkgset::build_plan(*e, {cudnn});
    REQUIRE(plan.size() >= 3);
    CHECK(plan.back().attrpath == "cudaPackages_12_8.cudnn");
    CHECK(plan.back().derivation == &e->derivation(*cudnn.set, *cudnn.package));
    std::set<std::string> seen;
    for (const auto& item : plan) {
        CHECK(item.derivation->outputs.count("out") == 1);
        for (const auto& dep : item.package->dependencies) {
            CHECK(seen.count(dep) == 1); // every dependency came earlier
        }
        CHECK(seen.insert(item.package->attr).second);
    }
}

TEST_CASE("require_buildable: licence, availability, capabilities", "[pkgset][plan]") {
    auto e = test::make_evaluator();
    auto cudnn = e->resolve_package("cudaPackages_12_8.cudnn");
    CHECK_THROWS_WITH(pkgset::require_buildable(*cudnn.set, *cudnn.package, cudnn.attrpath),
                      Catch::Contains("unfree licence ('cuDNN EULA')"));
    config::Config ok;
    ok.allow_unfree = true;
    auto accepted = test::make_evaluator(ok);
    auto old = accepted->resolve_package("cudaPackages_13_0.cudnn_9_8");
    CHECK_THROWS_WITH(pkgset::require_buildable(*old.set, *old.package, old.attrpath),
                      Catch::Contains("'cudaPackages_13_0.cudnn_9_8' is not available"));
    auto fine = accepted->resolve_package("cudaPackages_12_8.cudnn");
    CHECK_NOTHROW(pkgset::require_buildable(*fine.set, *fine.package, fine.attrpath));
}
