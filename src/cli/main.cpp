// SPDX-License-Identifier: Apache-2.0
// Entry point and the single place where errors are rendered and exit codes chosen.
#include "commands.hpp"

#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/interrupt.hpp>

#include <climits>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <new>
#include <unistd.h>

namespace cudapkgs::cli {

namespace {

std::string epilog() {
    std::string text = "\nCommands:\n";
    for (const auto& c : commands()) {
        if (!c.hidden) {
            text += fmt::format("  {:<16} {}\n", c.name, c.summary);
        }
    }
    text += "\nExamples:\n";
    for (const auto& c : commands()) {
        if (!c.hidden) {
            text += fmt::format("  {}\n", c.example);
        }
    }
    text += "\nExit codes: 0 ok, 1 internal error, 2 usage, 3 bad input or evaluation error,\n"
            "4 fetch/network, 5 integrity, 6 build step failed, 7 environment (permissions,\n"
            "read-only or missing directory), 77 test skipped, 130 interrupted (143 SIGTERM).\n"
            "See docs/commands/ for each command.\n";
    return text;
}

void add_global_options(CLI::App& app, GlobalOptions& g) {
    app.add_option("--manifests", g.manifests,
                   "Manifests directory (repeatable; env CUDAPKGS_MANIFESTS)");
    app.add_option("--fixups", g.fixups, "Fixups directory (repeatable)");
    app.add_option("--config", g.config, "Config file (env CUDAPKGS_CONFIG)");
    app.add_option("--option", g.options, "Set a config option: --option NAME VALUE")
        ->type_size(2)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--overlay", g.overlays, "Overlay file (repeatable, applied in order)");
    app.add_option("--system", g.system, "x86_64-linux or aarch64-linux (default: host)");
    app.add_option("--store", g.store, "Store directory (env CUDAPKGS_STORE)");
    app.add_option("--mirror", g.mirrors, "Mirror URL (repeatable; env CUDAPKGS_MIRRORS)");
    app.add_option("--cacert", g.cacert, "CA bundle for HTTPS mirrors (env CUDAPKGS_CA_BUNDLE)");
    app.add_option("--substituter", g.substituters,
                   "Binary cache URL to ask before building (repeatable; config substituters)");
    auto* require = app.add_flag("--require-sigs", g.require_sigs,
                                 "Only accept signed binary cache entries (the default)");
    app.add_flag("--no-require-sigs", g.no_require_sigs,
                 "Also accept unsigned binary cache entries (warns)")
        ->excludes(require);
    app.add_flag("--offline", g.offline, "Never open a network connection");
    app.add_flag("--frozen", g.frozen,
                 "Fail when evaluation no longer matches the lock file (env CUDAPKGS_FROZEN=1)");
    app.add_option("--lock", g.lock_file, "Lock file for --frozen (default: ./cudapkgs.lock)");
    app.add_option("-j,--jobs", g.jobs, "Parallel jobs (default: CPUs)");
    app.add_flag("--json", g.json, "Print results as JSON");
    app.add_flag("-v,--verbose", g.verbose, "More log output (repeatable)");
    app.add_flag("-q,--quiet", g.quiet, "Only errors on stderr");
}

void configure_logging(const GlobalOptions& g) {
    auto logger = spdlog::stderr_color_mt("cudapkgs");
    logger->set_pattern("cudapkgs: %l: %v");
    if (g.quiet) {
        logger->set_level(spdlog::level::err);
    } else if (g.verbose >= 2) {
        logger->set_level(spdlog::level::trace);
    } else if (g.verbose == 1) {
        logger->set_level(spdlog::level::debug);
    } else {
        logger->set_level(spdlog::level::info);
    }
    spdlog::set_default_logger(logger);
}

bool stderr_wants_color() {
    return ::isatty(2) != 0 && std::getenv("NO_COLOR") == nullptr;
}

int run_cli(int argc, char** argv) {
    CLI::App app{"cudapkgs: NVIDIA CUDA redistributables as versioned, reproducible package sets",
                 "cudapkgs"};
    app.footer(epilog());
    app.require_subcommand(1);
    app.fallthrough(true);
    app.set_version_flag("--version", "cudapkgs " CUDAPKGS_VERSION);
    GlobalOptions global;
    add_global_options(app, global);

    // One session per row: what it sets up, on first use, is what the row's `needs` says.
    std::deque<Session> sessions;
    std::vector<std::pair<CLI::App*, RunFn>> runners;
    for (const auto& spec : commands()) {
        CLI::App* sub = app.add_subcommand(std::string(spec.name), std::string(spec.summary));
        sub->footer(fmt::format("\nExample:\n  {}\n", spec.example));
        Session& session = sessions.emplace_back(global, spec.needs, spec.name);
        runners.emplace_back(sub, spec.setup(*sub, session));
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "cudapkgs: error: " << e.what() << "\nnote: try 'cudapkgs --help'\n";
        return 2;
    }
    configure_logging(global);

    for (auto& [sub, run] : runners) {
        if (sub->parsed()) {
            return run();
        }
    }
    return 2;
}

} // namespace

} // namespace cudapkgs::cli

int main(int argc, char** argv) {
    using namespace cudapkgs;
    util::install_interrupt_handlers();
    try {
        int rc = cli::run_cli(argc, argv);
        if (util::interrupt_requested()) {
            // The command finished before reaching a safe point: still report the interrupt.
            std::cerr << "cudapkgs: interrupted\n";
            return util::interrupt_exit_code();
        }
        return rc;
    } catch (const Error& e) {
        std::fflush(stdout);
        std::cerr << render_error(e, cli::stderr_wants_color());
        if (e.kind() == ErrorKind::Interrupted || util::interrupt_requested()) {
            return util::interrupt_exit_code();
        }
        return exit_code(e.kind());
    } catch (const std::bad_alloc&) {
        std::cerr << "cudapkgs: error: out of memory\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "cudapkgs: error: internal error: " << e.what() << "\n";
        return 1;
    }
}
