// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <array>

namespace cudapkgs::cli {

namespace {

constexpr std::array kCommands = {
    CommandSpec{"version", "Print the cudapkgs version", "cudapkgs version --json",
                &setup_version},
    CommandSpec{"fetch", "Download one file, verified (for tests and mirror debugging)",
                "cudapkgs fetch https://host/a.tar.xz --sha256 HEX --size N -o a.tar.xz",
                &setup_fetch, true},
};

} // namespace

std::span<const CommandSpec> commands() { return kCommands; }

} // namespace cudapkgs::cli
