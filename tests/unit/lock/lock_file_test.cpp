// SPDX-License-Identifier: Apache-2.0
#include "support.hpp"

#include <cudapkgs/lock/lock_file.hpp>
#include <cudapkgs/util/error.hpp>

#include <catch2/catch.hpp>

#include <algorithm>

using namespace cudapkgs;
using nlohmann::json;

namespace {

config::Config unfree_ok() {
    config::Config c;
    c.allow_unfree = true;
    return c;
}

bool mentions(const std::vector<std::string>& lines, const std::string& fragment) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(fragment) != std::string::npos; });
}

} // namespace

TEST_CASE("lock: packages, transitive archives, manifests and aliases", "[lock]") {
    auto e = test::make_evaluator(unfree_ok());
    json lock = lock::compute_lock(*e, {"cudaPackages.cudnn"});
    CHECK(lock["lockVersion"] == lock::kLockVersion);
    CHECK(lock["system"] == "x86_64-linux");
    CHECK(lock["aliases"]["cudaPackages"] == "cudaPackages_12_9");
    CHECK(lock["manifests"].contains("cuda/redistrib_12.9.2.json"));
    CHECK(lock["manifests"].contains("cudnn/redistrib_9.27.0.json"));
    CHECK(lock["manifests"]["cuda/redistrib_12.9.2.json"].get<std::string>().size() == 64);
    CHECK(lock["sets"]["cudaPackages_12_9"]["cudaVersion"] == "12.9.2");
    CHECK(lock["licenses"]["allowUnfree"] == true);
    const json& pkg = lock["packages"]["cudaPackages.cudnn"];
    CHECK(pkg["attrpath"] == "cudaPackages_12_9.cudnn");
    CHECK(pkg["outPaths"].contains("lib"));
    // cudnn depends on libcublas (and more): their archives are locked too.
    bool has_cudnn = false;
    bool has_cublas = false;
    for (const auto& [path, entry] : lock["archives"].items()) {
        has_cudnn |= path.rfind("cudnn/redist/cudnn/linux-x86_64/", 0) == 0;
        has_cublas |= path.rfind("cuda/redist/libcublas/linux-x86_64/", 0) == 0;
        CHECK(entry["sha256"].get<std::string>().size() == 64);
    }
    CHECK(has_cudnn);
    CHECK(has_cublas);
    // Stable: computing twice gives the same bytes.
    CHECK(lock::render_lock(lock) ==
          lock::render_lock(lock::compute_lock(*e, {"cudaPackages.cudnn"})));
    CHECK(lock::render_lock(lock).back() == '\n');
}

TEST_CASE("lock: unfree packages are refused without allowUnfree", "[lock]") {
    auto e = test::make_evaluator();
    CHECK_THROWS_AS(lock::compute_lock(*e, {"cudaPackages_12_8.cudnn"}), Error);
}

TEST_CASE("lock: diff names what drifted", "[lock]") {
    auto e = test::make_evaluator(unfree_ok());
    json locked = lock::compute_lock(*e, {"cudaPackages_12_8.cuda_cudart"});
    CHECK(lock::diff_locks(locked, locked).empty());

    json current = locked;
    std::string archive = locked["archives"].begin().key();
    current["archives"][archive]["sha256"] = std::string(64, 'a');
    current["manifests"]["cuda/redistrib_12.8.2.json"] = std::string(64, 'b');
    current["sets"]["cudaPackages_12_8"]["capabilities"] = json::array({"8.9"});
    current["licenses"]["allowUnfree"] = false;
    current["aliases"]["cudaPackages"] = "cudaPackages_13_0";
    current["overlays"] = json::array({{{"path", "o.json"}, {"sha256", std::string(64, 'c')}}});
    current["fixups"]["cuda_cudart"] = std::string(64, 'd');
    current["packages"]["cudaPackages_12_8.cuda_cudart"]["outPaths"]["out"] = "x-cuda_cudart";
    auto drift = lock::diff_locks(locked, current);
    CHECK(mentions(drift, "overlays changed: (none) → o.json (sha256 cccc"));
    CHECK(mentions(drift, "fixup cuda_cudart "));
    CHECK(mentions(drift, "store path of cudaPackages_12_8.cuda_cudart (out) changed: "));
    CHECK(mentions(drift, "upstream archive changed: " + archive + " old sha256 " +
                              locked["archives"][archive]["sha256"].get<std::string>() + " new " +
                              std::string(64, 'a')));
    CHECK(mentions(drift, "manifest cuda/redistrib_12.8.2.json changed: sha256 "));
    CHECK(mentions(drift, "capabilities of cudaPackages_12_8 changed"));
    CHECK(mentions(drift, "accepted licences changed: allowUnfree true → false"));
    CHECK(mentions(drift, "alias cudaPackages now resolves to cudaPackages_13_0"));
}

TEST_CASE("lock: cache key follows store paths only", "[lock]") {
    auto e = test::make_evaluator(unfree_ok());
    json a = lock::compute_lock(*e, {"cudaPackages_12_8.cuda_cudart"});
    json b = lock::compute_lock(*e, {"cudaPackages_12_8.cuda_cudart"});
    CHECK(lock::cache_key(a) == lock::cache_key(b));
    CHECK(lock::cache_key(a).rfind("cudapkgs-v1-x86_64-linux-", 0) == 0);
    json c = lock::compute_lock(*e, {"cudaPackages_12_9.cuda_cudart"});
    CHECK(lock::cache_key(a) != lock::cache_key(c));
    // The order of the requested paths does not matter.
    json d =
        lock::compute_lock(*e, {"cudaPackages_12_8.cuda_cudart", "cudaPackages_12_8.cuda_nvcc"});
    json f =
        lock::compute_lock(*e, {"cudaPackages_12_8.cuda_nvcc", "cudaPackages_12_8.cuda_cudart"});
    CHECK(lock::cache_key(d) == lock::cache_key(f));
}

TEST_CASE("lock: parse_lock rejects what is not a lock", "[lock]") {
    CHECK_THROWS_AS(lock::parse_lock("[]", "x.lock"), Error);
    CHECK_THROWS_AS(lock::parse_lock("{\"lockVersion\": 99}", "x.lock"), Error);
    auto e = test::make_evaluator(unfree_ok());
    json l = lock::compute_lock(*e, {"cudaPackages_12_8.cuda_cudart"});
    CHECK(lock::parse_lock(lock::render_lock(l), "x.lock") == l);
    CHECK(lock::locked_attrpaths(l) == std::vector<std::string>{"cudaPackages_12_8.cuda_cudart"});
}
