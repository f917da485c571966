// SPDX-License-Identifier: Apache-2.0
// Running a package's testers (the recipe's "testers") against its built output.
#pragma once

#include <cudapkgs/pkgset/recipe.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace cudapkgs::toolchain {

using pkgset::Tester; ///< the recipe model (pkgset/recipe.hpp)

/// How one tester went.
struct TesterResult {
    std::vector<std::string> argv; ///< as run (argv[0] resolved against the package output)
    int exit_code = -1;
    int expect_exit = 0;
    std::string expect_output;
    std::string output; ///< stdout+stderr
    bool passed = false;
    std::string reason; ///< why it failed
    double seconds = 0;
};

/// Every tester of one package.
struct TestReport {
    std::vector<TesterResult> results;
    bool passed() const;
    /// {"passed": bool, "testers": [{"run", "exitCode", "expectExit", "expectOutput", "output",
    /// "passed", "reason", "seconds"}]}
    nlohmann::json to_json() const;
};

/// Runs each tester with `env` minus LD_LIBRARY_PATH (the binaries must find their libraries
/// through RUNPATH), the working directory `package_out`, and argv[0] resolved against
/// `package_out` when it is relative. A non-empty `driver_lib_dir` (config driverLibDir)
/// becomes the only LD_LIBRARY_PATH entry, so libcudart's dlopen("libcuda.so.1") finds a
/// driver outside the loader's cache. Never throws for a failing tester: the result says why.
TestReport run_testers(const std::vector<Tester>& testers, const std::filesystem::path& package_out,
                       std::vector<std::string> env,
                       const std::filesystem::path& driver_lib_dir = {});

} // namespace cudapkgs::toolchain
