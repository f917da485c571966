// SPDX-License-Identifier: Apache-2.0
// `move`: a directory of the archive is re-rooted while unpacking.
#include "steps.hpp"

namespace cudapkgs::builder {

void apply_step(const fixups::MoveStep& step, OutputRouter& router) {
    for (const auto& move : step.moves) {
        router.add_move(move.from, move.to);
    }
}

} // namespace cudapkgs::builder
