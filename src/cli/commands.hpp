// SPDX-License-Identifier: Apache-2.0
// The command table: one row per command (name, what it needs, summary, example, setup).
#pragma once

#include "options.hpp"
#include "session.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <span>
#include <string_view>

namespace cudapkgs::cli {

/// Runs a parsed command and returns its exit code.
using RunFn = std::function<int()>;

/// Adds a command's options to `cmd` and returns what runs it once parsing succeeded. The
/// session gives the global options and, as the row's `needs` allows, the evaluator and store.
using SetupFn = RunFn (*)(CLI::App& cmd, Session& session);

struct CommandSpec {
    std::string_view name;
    Needs needs; ///< what main sets up for it (session.hpp); Nothing never loads manifests
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
RunFn setup_version(CLI::App&, Session&);
RunFn setup_list(CLI::App&, Session&);
RunFn setup_matrix(CLI::App&, Session&);
RunFn setup_eval(CLI::App&, Session&);
RunFn setup_flags(CLI::App&, Session&);
RunFn setup_build(CLI::App&, Session&);
RunFn setup_env(CLI::App&, Session&);
RunFn setup_test(CLI::App&, Session&);
RunFn setup_features(CLI::App&, Session&);
RunFn setup_show_derivation(CLI::App&, Session&);
RunFn setup_cdi(CLI::App&, Session&);
RunFn setup_fetch(CLI::App&, Session&);
RunFn setup_store(CLI::App&, Session&);
RunFn setup_elf(CLI::App&, Session&);
RunFn setup_check(CLI::App&, Session&);
RunFn setup_lock(CLI::App&, Session&);
RunFn setup_cache_key(CLI::App&, Session&);
RunFn setup_mirror(CLI::App&, Session&);
RunFn setup_manifests(CLI::App&, Session&);
RunFn setup_doctor(CLI::App&, Session&);
RunFn setup_gpu_info(CLI::App&, Session&);
RunFn setup_build_source(CLI::App&, Session&);
RunFn setup_cache(CLI::App&, Session&);

} // namespace cudapkgs::cli
