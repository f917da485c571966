// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/toolchain/process.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>
#include <cudapkgs/util/interrupt.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

using namespace cudapkgs;
using namespace cudapkgs::toolchain;

TEST_CASE("run_process passes exactly the given environment and captures output", "[toolchain]") {
    ProcessSpec spec{{"sh", "-c", "echo out; echo err >&2; env | sort; exit 3"},
                     {"PATH=/usr/bin:/bin", "ONLY_THIS=1"}};
    auto result = run_process(spec);
    CHECK(result.exit_code == 3);
    CHECK_FALSE(result.ok());
    CHECK(result.output.find("out\n") != std::string::npos);
    CHECK(result.output.find("err\n") != std::string::npos);
    CHECK(result.output.find("ONLY_THIS=1") != std::string::npos);
    // Nothing of the test's own environment leaks (HOME is always set for the test runner).
    CHECK(result.output.find("HOME=") == std::string::npos);
    CHECK(result.describe() == "exit code 3");
}

TEST_CASE("run_process appends to a log file and runs in cwd", "[toolchain]") {
    util::ScopedTempDir dir;
    auto log = dir.path() / "build.log";
    util::write_file_atomic(log, "first\n");
    ProcessSpec spec{{"/bin/sh", "-c", "pwd; echo oops >&2"}, {"PATH=/bin"}, dir.path(), log};
    auto result = run_process(spec);
    CHECK(result.ok());
    CHECK(result.output.empty());
    auto text = util::read_file(log);
    CHECK(text.rfind("first\n", 0) == 0);
    CHECK(text.find(dir.path().string()) != std::string::npos);
    CHECK(text.find("oops") != std::string::npos);
}

TEST_CASE("run_process kills a process at its timeout", "[toolchain]") {
    ProcessSpec spec{{"sleep", "30"}, {"PATH=/usr/bin:/bin"}, {}, {}, 0.3};
    auto result = run_process(spec);
    CHECK(result.timed_out);
    CHECK(result.signal == 9);
    CHECK(result.seconds < 10);
    CHECK(result.describe().find("timed out") == 0);
}

TEST_CASE("an interrupt ends the child's whole process group and is rethrown", "[toolchain]") {
    util::ScopedTempDir tmp;
    const auto marker = tmp.path() / "grandchild-survived";
    ProcessSpec spec;
    // The shell starts a grandchild that would write the marker after 2 s unless it is killed.
    spec.argv = {"/bin/sh", "-c", "(sleep 2; touch '" + marker.string() + "') & sleep 30"};
    spec.env = {"PATH=/usr/bin:/bin"};
    util::simulate_interrupt(SIGTERM);
    auto start = std::chrono::steady_clock::now();
    try {
        run_process(spec);
        FAIL("expected the interrupt to be rethrown");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Interrupted);
    }
    util::reset_interrupt();
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    CHECK_FALSE(std::filesystem::exists(marker));
}

TEST_CASE("run_process resolves argv[0] in the child's PATH, not ours", "[toolchain]") {
    ProcessSpec spec{{"sh", "-c", "true"}, {"PATH=/nonexistent"}};
    try {
        run_process(spec);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BuildFailed);
        CHECK(std::string(e.what()).find("'sh'") != std::string::npos);
    }
}

TEST_CASE("environment list helpers", "[toolchain]") {
    std::vector<std::string> env{"A=1", "AB=2", "PATH=/bin"};
    env_set(env, "A", "x=y");
    CHECK(env_get(env, "A") == "x=y");
    CHECK(env_get(env, "AB") == "2");
    env_unset(env, "AB");
    CHECK_FALSE(env_get(env, "AB"));
    CHECK(env.size() == 2);
}

TEST_CASE("quote_command and last_lines", "[toolchain]") {
    CHECK(quote_command({"nvcc", "-DX=a b", "it's"}) == "nvcc '-DX=a b' 'it'\\''s'");
    CHECK(last_lines("a\nb\nc\n", 2) == std::vector<std::string>{"b", "c"});
    CHECK(last_lines("a", 5) == std::vector<std::string>{"a"});
    CHECK(find_executable("sh", "/nonexistent:/bin").value() == "/bin/sh");
    CHECK_FALSE(find_executable("no-such-tool-xyz", "/bin:/usr/bin"));
}
