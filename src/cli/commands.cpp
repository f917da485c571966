// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <array>

namespace cudapkgs::cli {

namespace {

constexpr std::array kCommands = {
    CommandSpec{"version", "Print the cudapkgs version", "cudapkgs version --json",
                &setup_version},
    CommandSpec{"store", "Verify, garbage-collect and inspect the store",
                "cudapkgs store gc --max-size 20G", &setup_store},
};

} // namespace

std::span<const CommandSpec> commands() { return kCommands; }

} // namespace cudapkgs::cli
