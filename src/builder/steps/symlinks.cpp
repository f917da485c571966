// SPDX-License-Identifier: Apache-2.0
// `symlinks`: links created where their target exists and nothing is there yet.
#include "steps.hpp"

namespace cudapkgs::builder {

namespace fs = std::filesystem;

void apply_step(const fixups::SymlinksStep& step, StepContext& sc) {
    for (const auto& link : step.links) {
        const fs::path path = sc.staging.dir(sc.router.output_for(link.path)) / link.path;
        const fs::path target = path.parent_path() / link.target;
        // Created only where the target exists and nothing is there yet (nixpkgs adds
        // libcuda.so.1 only when it is missing).
        if (fs::exists(target) && !fs::exists(fs::symlink_status(path))) {
            fs::create_symlink(link.target, path);
        }
    }
}

} // namespace cudapkgs::builder
