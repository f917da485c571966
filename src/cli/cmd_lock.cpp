// SPDX-License-Identifier: Apache-2.0
// `cudapkgs lock ATTRPATH... [-o FILE]` (docs/commands/lock.md).
#include "commands.hpp"
#include "context.hpp"
#include "frozen.hpp"
#include "output.hpp"

#include <cudapkgs/lock/lock_file.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <spdlog/spdlog.h>

#include <filesystem>

namespace cudapkgs::cli {

namespace {

struct LockArgs {
    std::vector<std::string> attrpaths;
    std::string output;
};

int run_lock(const LockArgs& args, Session& session) {
    const GlobalOptions& global = session.global();
    const std::string path = args.output.empty() ? lock_file_of(global) : args.output;
    // `lock --frozen` checks the file it would write instead of writing it (like
    // `cargo update --locked`).
    session.set_lock_file(path);
    auto& ctx = session.eval(args.attrpaths);
    if (ctx.frozen) {
        if (global.json) {
            print_json({{"path", path}, {"upToDate", true}, {"changes", nlohmann::json::array()}});
        } else {
            print_line(fmt::format("{} is up to date", path));
        }
        return 0;
    }
    auto attrpaths = attrpaths_or_locked(args.attrpaths, path);
    nlohmann::json lock = lock::compute_lock(*ctx.evaluator, attrpaths);
    std::vector<std::string> changes;
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
        try {
            changes = lock::diff_locks(load_lock_file(path), lock);
        } catch (const Error& e) {
            spdlog::warn("replacing unreadable lock file {}: {}", path, e.what());
        }
    }
    util::write_file_atomic(path, lock::render_lock(lock));
    for (const auto& c : changes) {
        spdlog::info("{}", c);
    }
    if (global.json) {
        print_json({{"path", path},
                    {"upToDate", changes.empty()},
                    {"changes", changes},
                    {"packages", lock["packages"].size()},
                    {"archives", lock["archives"].size()},
                    {"manifests", lock["manifests"].size()},
                    {"cacheKey", lock::cache_key(lock)}});
    } else {
        print_line(path);
    }
    return 0;
}

} // namespace

RunFn setup_lock(CLI::App& cmd, Session& session) {
    auto args = std::make_shared<LockArgs>();
    cmd.add_option("ATTRPATH", args->attrpaths,
                   "Packages to lock (default: those of the existing lock file)");
    cmd.add_option("-o,--output", args->output,
                   "Lock file to write (default: --lock, else "
                   "./cudapkgs.lock)");
    return [args, &session] { return run_lock(*args, session); };
}

} // namespace cudapkgs::cli
