// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/toolchain/testers.hpp>
#include <cudapkgs/util/file.hpp>

#include <catch2/catch.hpp>

using namespace cudapkgs;
using namespace cudapkgs::toolchain;
namespace fs = std::filesystem;

namespace {

void program(const fs::path& path, const std::string& body) {
    fs::create_directories(path.parent_path());
    util::write_file_atomic(path, "#!/bin/sh\n" + body,
                            fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
}

} // namespace

TEST_CASE("run_testers checks exit code and output, without LD_LIBRARY_PATH", "[toolchain]") {
    util::ScopedTempDir out;
    program(out.path() / "bin/good", "echo \"saxpy: max error 0.000000, OK\"\n"
                                     "echo \"LD=${LD_LIBRARY_PATH-unset} X=$X\"\n");
    program(out.path() / "bin/wrong-text", "echo FAILED\n");
    program(out.path() / "bin/crash", "echo OK; exit 3\n");
    std::vector<Tester> testers{
        {{"bin/good"}, "OK", 0, 10},  {{"bin/wrong-text"}, "OK", 0, 10},
        {{"bin/crash"}, "OK", 0, 10}, {{"bin/crash"}, "OK", 3, 10},
        {{"bin/missing"}, "", 0, 10},
    };
    auto report =
        run_testers(testers, out.path(), {"PATH=/usr/bin:/bin", "LD_LIBRARY_PATH=/x", "X=1"});
    REQUIRE(report.results.size() == 5);
    CHECK(report.results[0].passed);
    CHECK(report.results[0].output.find("LD=unset X=1") != std::string::npos);
    CHECK(report.results[0].argv[0] == (out.path() / "bin/good").string());
    CHECK_FALSE(report.results[1].passed);
    CHECK(report.results[1].reason == "output lacks 'OK'");
    CHECK_FALSE(report.results[2].passed);
    CHECK(report.results[2].reason == "exit code 3, expected exit code 0");
    CHECK(report.results[3].passed);
    CHECK_FALSE(report.results[4].passed);
    CHECK(report.results[4].reason.find("not found") != std::string::npos);
    CHECK_FALSE(report.passed());

    auto j = report.to_json();
    CHECK(j["passed"] == false);
    CHECK(j["testers"][2]["exitCode"] == 3);
}

TEST_CASE("run_testers: a hanging tester times out", "[toolchain]") {
    util::ScopedTempDir out;
    program(out.path() / "bin/hang", "sleep 30\n");
    auto report = run_testers({{{"bin/hang"}, "", 0, 0.3}}, out.path(), {"PATH=/usr/bin:/bin"});
    CHECK_FALSE(report.passed());
    CHECK(report.results[0].reason.find("timed out") == 0);
}

TEST_CASE("run_testers: driverLibDir is the only LD_LIBRARY_PATH entry", "[toolchain]") {
    util::ScopedTempDir out;
    program(out.path() / "bin/show", "echo \"LD=$LD_LIBRARY_PATH\"\n");
    auto report = run_testers({{{"bin/show"}, "LD=/drv/lib64\n", 0, 10}}, out.path(),
                              {"PATH=/bin", "LD_LIBRARY_PATH=/cuda/lib"}, "/drv/lib64");
    CHECK(report.passed());
}
