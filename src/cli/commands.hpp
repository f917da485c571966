// SPDX-License-Identifier: Apache-2.0
// The command table: one row per command (name, summary, example, setup function).
#pragma once

#include "options.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <span>
#include <string_view>

namespace cudapkgs::cli {

/// Runs a parsed command and returns its exit code.
using RunFn = std::function<int()>;

/// Adds a command's options to `cmd` and returns what runs it once parsing succeeded.
using SetupFn = RunFn (*)(CLI::App& cmd, const GlobalOptions& global);

struct CommandSpec {
    std::string_view name;
    std::string_view summary;
    std::string_view example;
    SetupFn setup;
    bool hidden = false; ///< left out of `cudapkgs --help` (still documented in docs/commands)
};

std::span<const CommandSpec> commands();

/// Adds a subcommand of a command group (`store verify`, `cache push`) that takes the global
/// options after it and its own `--json` flag, which sets `json`.
CLI::App* add_subcommand_with_json(CLI::App& group, const char* name, const char* help, bool& json);

// One setup function per cmd_<name>.cpp.
RunFn setup_version(CLI::App&, const GlobalOptions&);
RunFn setup_list(CLI::App&, const GlobalOptions&);
RunFn setup_matrix(CLI::App&, const GlobalOptions&);
RunFn setup_eval(CLI::App&, const GlobalOptions&);
RunFn setup_flags(CLI::App&, const GlobalOptions&);
RunFn setup_build(CLI::App&, const GlobalOptions&);
RunFn setup_env(CLI::App&, const GlobalOptions&);
RunFn setup_test(CLI::App&, const GlobalOptions&);
RunFn setup_features(CLI::App&, const GlobalOptions&);
RunFn setup_show_derivation(CLI::App&, const GlobalOptions&);
RunFn setup_cdi(CLI::App&, const GlobalOptions&);
RunFn setup_fetch(CLI::App&, const GlobalOptions&);
RunFn setup_store(CLI::App&, const GlobalOptions&);
RunFn setup_elf(CLI::App&, const GlobalOptions&);
RunFn setup_check(CLI::App&, const GlobalOptions&);
RunFn setup_lock(CLI::App&, const GlobalOptions&);
RunFn setup_cache_key(CLI::App&, const GlobalOptions&);
RunFn setup_mirror(CLI::App&, const GlobalOptions&);
RunFn setup_manifests(CLI::App&, const GlobalOptions&);
RunFn setup_doctor(CLI::App&, const GlobalOptions&);
RunFn setup_gpu_info(CLI::App&, const GlobalOptions&);
RunFn setup_build_source(CLI::App&, const GlobalOptions&);
RunFn setup_cache(CLI::App&, const GlobalOptions&);

} // namespace cudapkgs::cli
