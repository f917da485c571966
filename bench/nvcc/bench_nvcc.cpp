// SPDX-License-Identifier: Apache-2.0
// bench/nvcc: saxpy for CUDA 13.0's default capabilities, built (a) by a plain nvcc command
// line and (b) through cudapkgs' toolchain (merged toolkit view + host-compiler check + flags +
// build_source with its clean environment), with the same nvcc and the same flags, runs
// interleaved. Prints the median of each, cudapkgs' overhead in %, and the children's peak RSS.
// Also times the CMake kind once (CMake's own configure cost, reported separately).
//
// Usage: bench_nvcc SOURCE_DIR REPEATS TOOLKIT_PART...
#include <cudapkgs/capabilities/capabilities.hpp>
#include <cudapkgs/toolchain/host_compiler.hpp>
#include <cudapkgs/toolchain/process.hpp>
#include <cudapkgs/toolchain/source_build.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sys/resource.h>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
using namespace cudapkgs;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

struct Setup {
    fs::path source_dir;
    std::vector<fs::path> parts;
    fs::path work;
    capabilities::Flags flags;
};

/// Time spent in cudapkgs' own steps before nvcc starts (merge, compiler check, flags).
std::vector<double> g_prepare_ms;

/// Everything cudapkgs does for one build, from the package trees to bin/saxpy.
double cudapkgs_build(const Setup& s, int run, toolchain::BuildKind kind) {
    const auto start = Clock::now();
    const fs::path dir = s.work / fmt::format("cudapkgs-{}-{}", run, static_cast<int>(kind));
    toolchain::SourceBuild b;
    b.kind = kind;
    b.toolkit_root = dir / "toolkit";
    toolchain::make_merged_toolkit(s.parts, b.toolkit_root);
    const auto cuda = version::Version::parse("13.0");
    b.host_compiler =
        toolchain::check_host_compiler(toolchain::detect_host_compiler(), cuda, false);
    b.source_dir = s.source_dir;
    b.build_dir = dir / "build";
    b.install_prefix = dir / "out";
    b.gencode = s.flags.gencode;
    b.cmake_architectures = toolchain::cmake_architectures(s.flags);
    b.sources = {"saxpy.cu"};
    b.output_name = "saxpy";
    g_prepare_ms.push_back(seconds_since(start) * 1000.0);
    toolchain::build_source(b);
    return seconds_since(start);
}

/// The same nvcc (from the first run's view) and flags, as a user would type them.
double plain_nvcc(const Setup& s, int run, const fs::path& nvcc) {
    const fs::path out = s.work / fmt::format("plain-{}", run);
    fs::create_directories(out);
    std::vector<std::string> argv{nvcc.string(), "-ccbin", "/usr/bin/g++", "-O2"};
    argv.insert(argv.end(), s.flags.gencode.begin(), s.flags.gencode.end());
    argv.insert(argv.end(), {(s.source_dir / "saxpy.cu").string(), "-o", (out / "saxpy").string(),
                             "-cudart", "shared"});
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        env.emplace_back(*e);
    }
    const auto start = Clock::now();
    auto result = toolchain::run_process({argv, env, out, out / "log"});
    if (!result.ok()) {
        fail(ErrorKind::BuildFailed, "plain nvcc failed: {}", result.describe());
    }
    return seconds_since(start);
}

} // namespace

int main(int argc, char** argv) try {
    if (argc < 4) {
        fmt::print(stderr, "usage: bench_nvcc SOURCE_DIR REPEATS TOOLKIT_PART...\n");
        return 2;
    }
    util::ScopedTempDir work;
    Setup s{fs::absolute(argv[1]), {}, work.path(), {}};
    const int repeats = std::max(1, std::atoi(argv[2]));
    for (int i = 3; i < argc; ++i) {
        s.parts.emplace_back(fs::absolute(argv[i]));
    }
    const auto& table = capabilities::CapabilityTable::builtin();
    const auto caps = table.defaults_for(version::Version::parse("13.0"));
    s.flags = capabilities::format_flags(table, caps, true);
    fmt::print("capabilities: {}\n", fmt::join(caps, " "));

    std::vector<double> plain;
    std::vector<double> ours;
    const fs::path nvcc = work.path() / "cudapkgs-0-0/toolkit/bin/nvcc";
    ours.push_back(cudapkgs_build(s, 0, toolchain::BuildKind::Nvcc)); // warm-up, not counted
    ours.clear();
    g_prepare_ms.clear();
    for (int run = 0; run < repeats; ++run) {
        // Alternate which goes first so page-cache and load effects fall on both sides.
        if (run % 2 == 0) {
            ours.push_back(cudapkgs_build(s, run + 1, toolchain::BuildKind::Nvcc));
            plain.push_back(plain_nvcc(s, run, nvcc));
        } else {
            plain.push_back(plain_nvcc(s, run, nvcc));
            ours.push_back(cudapkgs_build(s, run + 1, toolchain::BuildKind::Nvcc));
        }
        fmt::print("run {}: plain nvcc {:.3f} s, cudapkgs {:.3f} s\n", run, plain.back(),
                   ours.back());
    }
    const double p = median(plain);
    const double o = median(ours);
    fmt::print("median of {}: plain nvcc {:.3f} s, cudapkgs (nvcc kind) {:.3f} s, overhead "
               "{:+.1f}%\n",
               repeats, p, o, 100.0 * (o - p) / p);
    fmt::print("cudapkgs' own steps before nvcc (merged view, host-compiler check, flags): "
               "median {:.1f} ms = {:.2f}% of plain nvcc\n",
               median(g_prepare_ms), median(g_prepare_ms) / 10.0 / p);
    const double cmake = cudapkgs_build(s, 0, toolchain::BuildKind::Cmake);
    fmt::print("cudapkgs (cmake kind, one run, includes CMake's configure): {:.3f} s\n", cmake);
    rusage usage{};
    ::getrusage(RUSAGE_CHILDREN, &usage);
    fmt::print("peak RSS of a child (nvcc/cicc/ptxas/cmake): {} MiB\n", usage.ru_maxrss / 1024);
    return 0;
} catch (const cudapkgs::Error& e) {
    fmt::print(stderr, "{}\n", cudapkgs::render_error(e));
    return 1;
}
