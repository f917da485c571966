// SPDX-License-Identifier: Apache-2.0
#include "build_support.hpp"
#include "commands.hpp"
#include "output.hpp"

#include <cudapkgs/pkgset/recipe.hpp>
#include <cudapkgs/toolchain/gpu.hpp>
#include <cudapkgs/toolchain/testers.hpp>
#include <cudapkgs/util/error.hpp>

#include <iostream>

namespace cudapkgs::cli {

RunFn setup_test(CLI::App& cmd, Session& session) {
    const GlobalOptions& global = session.global();
    auto attrpath = std::make_shared<std::string>();
    auto path = std::make_shared<std::string>();
    cmd.add_option("ATTRPATH", *attrpath, "A package with testers, e.g. cudaPackages_13_0.saxpy")
        ->required();
    cmd.add_option("--path", *path,
                   "Test this already-built output (e.g. a store copied from another machine) "
                   "instead of building ATTRPATH");
    return [attrpath, path, &global, &session] {
        BuildSession build(session, {*attrpath}, "auto");
        auto target = build.targets({*attrpath}).front();
        if (!target.package->recipe || target.package->recipe->testers.empty()) {
            fail(ErrorKind::InvalidInput, "'{}' has no testers", target.attrpath);
        }
        const std::string driver_dir = build.eval.config.driver_lib_dir;
        // The GPU is checked first: without one, nothing is built.
        auto gpu = toolchain::detect_gpu(driver_dir);
        if (!gpu.usable) {
            if (global.json) {
                print_json({{"attrpath", target.attrpath},
                            {"status", "skipped"},
                            {"reason", gpu.reason},
                            {"gpu", gpu.to_json()}});
            }
            std::cerr << "cudapkgs: no usable GPU, test skipped: " << gpu.reason << "\n";
            return 77;
        }
        std::filesystem::path out;
        if (!path->empty()) {
            out = std::filesystem::absolute(*path);
            if (!std::filesystem::is_directory(out)) {
                fail(ErrorKind::InvalidInput, "--path {}: no such directory", *path);
            }
        } else {
            out = build.builder->build({target}).front().outputs.at("out");
        }
        auto report = toolchain::run_testers(target.package->recipe->testers, out, {}, driver_dir);
        if (global.json) {
            print_json({{"attrpath", target.attrpath},
                        {"status", report.passed() ? "passed" : "failed"},
                        {"gpu", gpu.to_json()},
                        {"outPath", out.string()},
                        {"report", report.to_json()}});
        } else {
            print_line(report.to_json().dump(2));
            print_line(
                fmt::format("{}: {}", target.attrpath, report.passed() ? "passed" : "FAILED"));
        }
        return report.passed() ? 0 : 6;
    };
}

} // namespace cudapkgs::cli
