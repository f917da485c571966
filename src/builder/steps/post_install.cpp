// SPDX-License-Identifier: Apache-2.0
// `postInstall`: a shell script in the `out` build directory, with a clean environment.
#include "steps.hpp"

#include <cudapkgs/toolchain/process.hpp>
#include <cudapkgs/util/error.hpp>

#include <spdlog/spdlog.h>

namespace cudapkgs::builder {

namespace {

/// A script that runs longer than this is killed (it is a fixup, not a build).
constexpr double kPostInstallTimeoutSeconds = 1800;

} // namespace

void apply_step(const fixups::PostInstallStep& step, StepContext& sc) {
    sc.staging.digests.clear(); // a script may change any file
    toolchain::ProcessSpec spec;
    spec.argv = {"/bin/sh", "-euc", step.script};
    spec.env = {"PATH=/usr/bin:/bin", "LANG=C", "HOME=/nonexistent"};
    for (const auto& [output, dir] : sc.staging.dirs) {
        spec.env.push_back(output + "=" + dir.path().string());
    }
    spec.cwd = sc.staging.dir("out");
    spec.timeout_seconds = kPostInstallTimeoutSeconds;
    const toolchain::ProcessResult result = sc.install.runner->run(spec);
    if (!result.output.empty()) {
        spdlog::debug("{}: postInstall output:\n{}", sc.install.attrpath, result.output);
    }
    if (!result.ok()) {
        try {
            step_failed(sc.install, fmt::format("postInstall failed ({})", result.describe()));
        } catch (Error& e) {
            for (auto& line : toolchain::last_lines(result.output, 20)) {
                e.add_note(std::move(line));
            }
            throw;
        }
    }
}

} // namespace cudapkgs::builder
