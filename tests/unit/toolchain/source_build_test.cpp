// SPDX-License-Identifier: Apache-2.0
// source_build against a fake toolkit whose bin/nvcc and bin/cmake are shell scripts that
// record what they were given (real processes, no nvcc needed).
#include <cudapkgs/capabilities/capabilities.hpp>
#include <cudapkgs/toolchain/source_build.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>

using namespace cudapkgs;
using namespace cudapkgs::toolchain;
namespace fs = std::filesystem;

namespace {

void script(const fs::path& path, const std::string& body) {
    fs::create_directories(path.parent_path());
    util::write_file_atomic(path, "#!/bin/sh\n" + body,
                            fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
}

/// A toolkit whose nvcc and cmake record argv and the environment, then behave like
/// compilers (nvcc writes the -o file).
SourceBuild fake_build(const fs::path& root, BuildKind kind) {
    const std::string record = R"(echo "$0 $*" >> "$HOME/argv.txt"; env > "$HOME/env.txt"
)";
    script(root / "toolkit/bin/nvcc", record + R"(while [ $# -gt 0 ]; do
  if [ "$1" = -o ]; then echo binary > "$2"; fi; shift; done
)");
    script(root / "toolkit/bin/cmake", record);
    SourceBuild b;
    b.kind = kind;
    b.source_dir = root / "src";
    b.build_dir = root / "build";
    b.install_prefix = root / "out";
    b.toolkit_root = root / "toolkit";
    b.host_compiler = "/usr/bin/g++";
    b.gencode = {"-gencode=arch=compute_90,code=sm_90"};
    b.cmake_architectures = "90";
    b.sources = {"main.cu"};
    b.link_libs = {"cublas"};
    b.output_name = "demo";
    return b;
}

} // namespace

TEST_CASE("build_source runs nvcc with a clean environment and installs the result",
          "[toolchain]") {
    util::ScopedTempDir tmp;
    auto build = fake_build(tmp.path(), BuildKind::Nvcc);
    build.extra_env = {"EXTRA=1"};
    ::setenv("CUDA_HOME", "/usr/local/cuda", 1);
    ::setenv("LD_LIBRARY_PATH", "/usr/local/cuda/lib64", 1);
    auto outcome = build_source(build);
    ::unsetenv("CUDA_HOME");
    ::unsetenv("LD_LIBRARY_PATH");

    CHECK(util::read_file(tmp.path() / "out/bin/demo") == "binary\n");
    const auto env = util::read_file(tmp.path() / "build/env.txt");
    CHECK(env.find("PATH=" + (tmp.path() / "toolkit/bin").string() + ":/usr/bin:/bin\n") !=
          std::string::npos);
    CHECK(env.find("HOME=" + (tmp.path() / "build").string()) != std::string::npos);
    CHECK(env.find("LANG=C") != std::string::npos);
    CHECK(env.find("EXTRA=1") != std::string::npos);
    CHECK(env.find("CUDA_HOME") == std::string::npos);
    CHECK(env.find("LD_LIBRARY_PATH") == std::string::npos);

    const auto argv = util::read_file(tmp.path() / "build/argv.txt");
    CHECK(argv.find("-ccbin /usr/bin/g++") != std::string::npos);
    CHECK(argv.find("-gencode=arch=compute_90,code=sm_90") != std::string::npos);
    CHECK(argv.find((tmp.path() / "src/main.cu").string()) != std::string::npos);
    CHECK(argv.find("-cudart shared -lcublas") != std::string::npos);
    CHECK(argv.find("rpath") == std::string::npos);
    CHECK(util::read_file(outcome.log_file).find("$ " + build.toolkit_root.string()) == 0);
}

TEST_CASE("build_source runs cmake configure, build and install", "[toolchain]") {
    util::ScopedTempDir tmp;
    auto build = fake_build(tmp.path(), BuildKind::Cmake);
    build.cmake_architectures = "75-real;90";
    std::vector<std::string> shown;
    auto outcome = build_source(build, [&](std::string_view line) { shown.emplace_back(line); });
    REQUIRE(outcome.commands.size() == 3);
    REQUIRE(shown.size() == 3);
    const auto argv = util::read_file(tmp.path() / "build/argv.txt");
    for (const std::string& flag :
         {"-DCMAKE_CUDA_COMPILER=" + (tmp.path() / "toolkit/bin/nvcc").string(),
          "-DCUDAToolkit_ROOT=" + (tmp.path() / "toolkit").string(),
          std::string("-DCMAKE_CUDA_ARCHITECTURES=75-real;90"),
          std::string("-DCMAKE_CUDA_HOST_COMPILER=/usr/bin/g++"),
          "-DCMAKE_INSTALL_PREFIX=" + (tmp.path() / "out").string(),
          std::string("-DCMAKE_BUILD_TYPE=Release"), std::string(" --build "),
          std::string(" --install ")}) {
        CHECK(argv.find(flag) != std::string::npos);
    }
}

TEST_CASE("a failing build step is BuildFailed with the end of the log", "[toolchain]") {
    util::ScopedTempDir tmp;
    auto build = fake_build(tmp.path(), BuildKind::Nvcc);
    script(build.toolkit_root / "bin/nvcc",
           "i=1; while [ $i -le 40 ]; do echo \"log line $i\"; i=$((i+1)); done; exit 2\n");
    try {
        build_source(build);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BuildFailed);
        CHECK(std::string(e.what()).find("exit code 2") != std::string::npos);
        const auto& notes = e.notes();
        auto has = [&](const std::string& s) {
            return std::find(notes.begin(), notes.end(), s) != notes.end();
        };
        CHECK(has("log line 40"));
        CHECK(has("log line 12"));
        CHECK_FALSE(has("log line 5"));
        CHECK(notes.back().find("full log: ") == 0);
    }
    CHECK_FALSE(fs::exists(tmp.path() / "out/bin/demo"));
}

TEST_CASE("build_source needs a toolkit with bin/nvcc", "[toolchain]") {
    util::ScopedTempDir tmp;
    auto build = fake_build(tmp.path(), BuildKind::Nvcc);
    build.toolkit_root = tmp.path() / "empty";
    CHECK_THROWS_AS(build_source(build), Error);
}

TEST_CASE("cmake_architectures: real for all, PTX only for the last with forward compat",
          "[toolchain]") {
    const auto& table = capabilities::CapabilityTable::builtin();
    auto fc = capabilities::format_flags(table, {"7.5", "8.6", "9.0"}, true);
    CHECK(cmake_architectures(fc) == "75-real;86-real;90");
    auto no_fc = capabilities::format_flags(table, {"7.5", "9.0"}, false);
    CHECK(cmake_architectures(no_fc) == "75-real;90-real");
}

TEST_CASE("check_host_compiler enforces nvcc's range unless allowed", "[toolchain]") {
    util::ScopedTempDir tmp;
    const auto fake = tmp.path() / "g++-99";
    script(fake, "echo 'g++-99 (Fake) 99.1.0'\n");
    auto probed = probe_compiler(fake.string());
    REQUIRE(probed);
    REQUIRE(probed->major == 99);
    const auto cuda = version::Version::parse("13.0");
    try {
        check_host_compiler(probed, cuda, false);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::InvalidInput);
        const std::string msg = e.what();
        CHECK(msg.find("99.1.0") != std::string::npos);
        CHECK(msg.find("nvcc 13.0") != std::string::npos);
        CHECK(e.notes().at(0).find("allowUnsupportedCompiler") != std::string::npos);
    }
    CHECK(check_host_compiler(probed, cuda, true) == fake.string());
    CHECK_THROWS_AS(check_host_compiler(std::nullopt, cuda, true), Error);

    HostCompiler gcc12{"g++", "gcc", "12.2.0", 12};
    const std::string path = check_host_compiler(gcc12, cuda, false);
    CHECK(fs::path(path).is_absolute());
}
