// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <array>

namespace cudapkgs::cli {

namespace {

constexpr std::array kCommands = {
    CommandSpec{"version", "Print the cudapkgs version", "cudapkgs version --json",
                &setup_version},
    CommandSpec{"cdi", "Write or list a CDI spec for the host's NVIDIA GPUs (Docker, Podman)",
                "sudo cudapkgs cdi generate && cudapkgs cdi list", &setup_cdi},
};

} // namespace

std::span<const CommandSpec> commands() { return kCommands; }

} // namespace cudapkgs::cli
