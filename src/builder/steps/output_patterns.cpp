// SPDX-License-Identifier: Apache-2.0
// `outputPatterns`: paths routed to an output before the built-in rules.
#include "steps.hpp"

namespace cudapkgs::builder {

void apply_step(const fixups::OutputPatternsStep& step, OutputRouter& router) {
    for (const auto& [output, patterns] : step.patterns) {
        for (const auto& pattern : patterns) {
            router.add_pattern(pattern, output);
        }
    }
}

} // namespace cudapkgs::builder
