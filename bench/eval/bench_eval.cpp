// SPDX-License-Identifier: Apache-2.0
// bench/eval: load every shipped manifest and evaluate every package of every set and variant
// (root, pkgsCuda, every pkgsForCudaArch.sm_XX) to JSON, outPaths included. Prints wall time,
// peak RSS and the ratio against a floor measured in the same run: parsing the same manifest
// files with nlohmann::json and nothing else.
//
// Usage: bench_eval [MANIFESTS_DIR] [REPEATS]   (fixups: MANIFESTS_DIR/../fixups)
// Values are written with util::dump_compact (the same text as nlohmann's dump(), which
// CUDAPKGS_BENCH_EVAL_CHECK=1 checks for every value); refusals come back from try_evaluate.
#include <cudapkgs/capabilities/capabilities.hpp>
#include <cudapkgs/pkgset/evaluator.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>
#include <cudapkgs/util/json_dump.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sys/resource.h>

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
using namespace cudapkgs;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::size_t parse_only(const fs::path& dir) {
    std::size_t entries = 0;
    for (const auto& f : fs::recursive_directory_iterator(dir)) {
        if (f.is_regular_file() && f.path().extension() == ".json") {
            entries += nlohmann::json::parse(util::read_file(f.path())).size();
        }
    }
    return entries;
}

struct Counts {
    std::size_t packages = 0;
    std::size_t errors = 0;
    std::size_t bytes = 0;
    bool check = false; ///< CUDAPKGS_BENCH_EVAL_CHECK=1: compare each text with dump()
};

void eval_root(pkgset::Evaluator& e, const std::string& prefix, Counts& counts) {
    std::string text;
    for (const auto& def : e.catalog().sets()) {
        const std::string set_path = prefix + def.name;
        nlohmann::json names = e.eval(set_path);
        for (const auto& name : names) {
            const std::string path = set_path + "." + name.get<std::string>();
            if (name == "pkgs" || name == "hostCompiler") {
                continue;
            }
            // A refusal (e.g. sm_100 in a 12.6 set) is correct and expected; try_evaluate
            // returns it instead of throwing, as any caller walking every variant would.
            auto result = e.try_evaluate(path);
            if (result.refused != nullptr) {
                ++counts.errors;
                continue;
            }
            text.clear();
            util::dump_compact(result.value.value(), text);
            if (counts.check && text != result.value.value().dump()) {
                fmt::print(stderr, "bench/eval: util::dump_compact differs from dump() at {}\n",
                           path);
                std::exit(1);
            }
            counts.bytes += text.size();
            ++counts.packages;
        }
    }
}

Counts evaluate_everything(const fs::path& dir) {
    config::Config config;
    config.allow_unfree = true;
    pkgset::Catalog catalog(manifest::load_manifest_dirs({dir}),
                            fixups::FixupSet::load({dir.parent_path() / "fixups"}));
    pkgset::Evaluator e(catalog, {config, "x86_64-linux", {}, {}}, pkgset::EvalSettings{});
    Counts counts;
    counts.check = std::getenv("CUDAPKGS_BENCH_EVAL_CHECK") != nullptr;
    eval_root(e, "", counts);
    eval_root(e, "pkgsCuda.", counts);
    for (const auto& row : capabilities::CapabilityTable::builtin().all()) {
        eval_root(e, "pkgsForCudaArch.sm_" + capabilities::drop_dots(row.capability) + ".", counts);
    }
    return counts;
}

} // namespace

int main(int argc, char** argv) {
    fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::path(CUDAPKGS_SOURCE_DIR) / "manifests";
    int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
    double floor_best = 1e9;
    double eval_best = 1e9;
    Counts counts;
    for (int i = 0; i < repeats; ++i) {
        auto t0 = Clock::now();
        parse_only(dir);
        floor_best = std::min(floor_best, ms_since(t0));
        auto t1 = Clock::now();
        counts = evaluate_everything(dir);
        eval_best = std::min(eval_best, ms_since(t1));
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const double peak_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
    fmt::print("bench/eval: {} package values evaluated ({} refused, {:.1f} MB of JSON)\n",
               counts.packages, counts.errors, static_cast<double>(counts.bytes) / 1e6);
    fmt::print("floor (parse manifests only): {:8.2f} ms (best of {})\n", floor_best, repeats);
    fmt::print("full evaluation:              {:8.2f} ms (best of {})\n", eval_best, repeats);
    fmt::print("ratio full/floor:             {:8.2f}x\n", eval_best / floor_best);
    fmt::print("peak RSS:                     {:8.1f} MB\n", peak_mb);
    fmt::print("targets: <= 20x the floor, < 60 MB -> {}\n",
               eval_best <= 20 * floor_best && peak_mb < 60 ? "met" : "NOT met");
    return 0;
}
