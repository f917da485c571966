// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/toolchain/host_compiler.hpp>
#include <cudapkgs/util/error.hpp>

#include <catch2/catch.hpp>

using namespace cudapkgs;
using namespace cudapkgs::toolchain;

namespace {

/// Answers every command with a fixed result and records it.
class FakeRunner final : public ProcessRunner {
  public:
    ProcessResult answer;
    std::vector<ProcessSpec> runs;
    ProcessResult run(const ProcessSpec& spec) override {
        runs.push_back(spec);
        return answer;
    }
};

} // namespace

TEST_CASE("the host-compiler probe runs `--version` through the process runner", "[toolchain]") {
    FakeRunner runner;
    runner.answer.exit_code = 0;
    runner.answer.output = "g++ (Debian 12.2.0-14) 12.2.0\nCopyright\n";
    auto hc = probe_compiler("/opt/g++", runner);
    REQUIRE(hc);
    CHECK(hc->family == "gcc");
    CHECK(hc->major == 12);
    REQUIRE(runner.runs.size() == 1);
    CHECK(runner.runs[0].argv == std::vector<std::string>{"/opt/g++", "--version"});
    CHECK(runner.runs[0].timeout_seconds > 0);
    CHECK(env_get(runner.runs[0].env, "LANG") == "C");

    runner.answer.exit_code = 1;
    CHECK_FALSE(probe_compiler("/opt/g++", runner));
    runner.answer.exit_code = 0;
    runner.answer.output = "Debian clang version 14.0.6\n";
    auto clang = probe_compiler("clang++", runner);
    REQUIRE(clang);
    CHECK(clang->family == "clang");
}
