// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/toolchain/process.hpp>
#include <cudapkgs/toolchain/testers.hpp>
#include <cudapkgs/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace cudapkgs::toolchain {

namespace fs = std::filesystem;

namespace {

TesterResult run_one(const Tester& tester, const fs::path& package_out,
                     const std::vector<std::string>& env) {
    TesterResult r;
    r.argv = tester.run;
    r.expect_exit = tester.expect_exit;
    r.expect_output = tester.expect_output;
    if (fs::path(r.argv[0]).is_relative() && r.argv[0].find('/') != std::string::npos) {
        r.argv[0] = (package_out / r.argv[0]).string();
    }
    ProcessSpec spec{r.argv, env, package_out, {}, tester.timeout_seconds};
    try {
        ProcessResult p = run_process(spec);
        r.exit_code = p.exit_code;
        r.output = std::move(p.output);
        r.seconds = p.seconds;
        if (p.exit_code != tester.expect_exit) {
            r.reason = fmt::format("{}, expected exit code {}", p.describe(), tester.expect_exit);
        }
    } catch (const Error& e) {
        r.reason = e.what();
        return r;
    }
    if (r.reason.empty() && !tester.expect_output.empty() &&
        r.output.find(tester.expect_output) == std::string::npos) {
        r.reason = fmt::format("output lacks '{}'", tester.expect_output);
    }
    r.passed = r.reason.empty();
    return r;
}

} // namespace

bool TestReport::passed() const {
    return std::all_of(results.begin(), results.end(), [](const auto& r) { return r.passed; });
}

nlohmann::json TestReport::to_json() const {
    nlohmann::json testers = nlohmann::json::array();
    for (const auto& r : results) {
        testers.push_back({{"run", r.argv},
                           {"exitCode", r.exit_code},
                           {"expectExit", r.expect_exit},
                           {"expectOutput", r.expect_output},
                           {"output", r.output},
                           {"passed", r.passed},
                           {"reason", r.reason},
                           {"seconds", r.seconds}});
    }
    return {{"passed", passed()}, {"testers", testers}};
}

TestReport run_testers(const std::vector<Tester>& testers, const fs::path& package_out,
                       std::vector<std::string> env, const fs::path& driver_lib_dir) {
    env_unset(env, "LD_LIBRARY_PATH");
    if (!driver_lib_dir.empty()) {
        env_set(env, "LD_LIBRARY_PATH", driver_lib_dir.string());
    }
    if (!env_get(env, "PATH")) {
        env_set(env, "PATH", "/usr/bin:/bin");
    }
    TestReport report;
    for (const auto& tester : testers) {
        report.results.push_back(run_one(tester, package_out, env));
    }
    return report;
}

} // namespace cudapkgs::toolchain
