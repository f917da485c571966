// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"

#include <array>

namespace cudapkgs::cli {

namespace {

constexpr std::array kCommands = {
    CommandSpec{"version", "Print the cudapkgs version", "cudapkgs version --json",
                &setup_version},
    CommandSpec{"elf", "Show or rewrite ELF RUNPATH/NEEDED (show, set-runpath, ...)",
                "cudapkgs elf set-runpath lib/libfoo.so '$ORIGIN/../lib'", &setup_elf},
    CommandSpec{"check", "Check that every DT_NEEDED of ELF files resolves",
                "cudapkgs check result-lib/ --json", &setup_check},
};

} // namespace

std::span<const CommandSpec> commands() { return kCommands; }

} // namespace cudapkgs::cli
