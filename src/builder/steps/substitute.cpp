// SPDX-License-Identifier: Apache-2.0
// `substitute`: text edits (replace, append) with placeholders expanded.
#include "../expand.hpp"
#include "../glob.hpp"
#include "steps.hpp"

#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

namespace cudapkgs::builder {

namespace fs = std::filesystem;

void apply_step(const fixups::SubstituteStep& step, StepContext& sc) {
    const InstallContext& ctx = sc.install;
    for (const auto& sub : step.files) {
        const auto files = find_files(sc.staging, sub.file);
        if (files.empty()) {
            step_failed(ctx, fmt::format("substitute: no file matches '{}'", sub.file));
        }
        for (const auto& file : files) {
            std::string text = util::read_file(file);
            for (const auto& r : sub.replace) {
                const auto from = expand(ctx, sc.staging, r.from);
                const auto to = expand(ctx, sc.staging, r.to);
                if (text.find(from) == std::string::npos) {
                    step_failed(ctx, fmt::format("substitute: '{}' not found in {}", from,
                                                 file.filename().string()));
                }
                for (auto pos = text.find(from); pos != std::string::npos;
                     pos = text.find(from, pos + to.size())) {
                    text.replace(pos, from.size(), to);
                }
            }
            for (const auto& line : sub.append) {
                if (!text.empty() && text.back() != '\n') {
                    text += '\n';
                }
                text += expand(ctx, sc.staging, line) + "\n";
            }
            fs::perms mode = fs::status(file).permissions();
            util::write_file_atomic(file, text, mode);
            sc.staging.forget(file);
        }
    }
}

} // namespace cudapkgs::builder
