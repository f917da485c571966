// SPDX-License-Identifier: Apache-2.0
// `remove`: archive entries matching a pattern are never written.
#include "steps.hpp"

namespace cudapkgs::builder {

void apply_step(const fixups::RemoveStep& step, OutputRouter& router) {
    for (const auto& pattern : step.patterns) {
        router.add_remove(pattern);
    }
}

} // namespace cudapkgs::builder
