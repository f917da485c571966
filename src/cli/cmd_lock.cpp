// SPDX-License-Identifier: Apache-2.0
// `cudapkgs lock ATTRPATH... [-o FILE]` and `cudapkgs cache-key [ATTRPATH...]`.
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

/// The attribute paths to work on: the arguments, else those of an existing lock file.
std::vector<std::string> attrpaths_or_locked(const std::vector<std::string>& attrpaths,
                                             const std::string& lock_path) {
    if (!attrpaths.empty()) {
        return attrpaths;
    }
    std::error_code ec;
    if (!std::filesystem::exists(lock_path, ec)) {
        throw Error(ErrorKind::Usage, "no attribute paths given and no lock file to take them "
                                      "from")
            .add_note(fmt::format("looked for {}", lock_path))
            .add_note("example: cudapkgs lock cudaPackages_12_8.cudnn");
    }
    return lock::locked_attrpaths(load_lock_file(lock_path));
}

int run_lock(const LockArgs& args, const GlobalOptions& global) {
    auto ctx = make_eval_context(global);
    const std::string path = args.output.empty() ? ctx.lock_file : args.output;
    if (ctx.frozen) {
        // `lock --frozen` checks instead of writing (like `cargo update --locked`).
        ctx.lock_file = path;
        check_frozen(ctx, args.attrpaths);
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

int run_cache_key(const std::vector<std::string>& attrpaths, const GlobalOptions& global) {
    auto ctx = make_eval_context(global);
    check_frozen(ctx, attrpaths);
    nlohmann::json lock =
        lock::compute_lock(*ctx.evaluator, attrpaths_or_locked(attrpaths, ctx.lock_file));
    std::string key = lock::cache_key(lock);
    if (!global.json) {
        print_line(key);
        return 0;
    }
    nlohmann::json paths = nlohmann::json::array();
    for (const auto& [attrpath, package] : lock["packages"].items()) {
        for (const auto& [output, name] : package["outPaths"].items()) {
            paths.push_back(name);
        }
    }
    print_json({{"key", key},
                {"system", lock["system"]},
                {"cudapkgsVersion", CUDAPKGS_VERSION},
                {"attrpaths", lock["requested"]},
                {"storePaths", paths}});
    return 0;
}

} // namespace

RunFn setup_lock(CLI::App& cmd, const GlobalOptions& global) {
    auto args = std::make_shared<LockArgs>();
    cmd.add_option("ATTRPATH", args->attrpaths,
                   "Packages to lock (default: those of the existing lock file)");
    cmd.add_option("-o,--output", args->output,
                   "Lock file to write (default: --lock, else "
                   "./cudapkgs.lock)");
    return [args, &global] { return run_lock(*args, global); };
}

RunFn setup_cache_key(CLI::App& cmd, const GlobalOptions& global) {
    auto attrpaths = std::make_shared<std::vector<std::string>>();
    cmd.add_option("ATTRPATH", *attrpaths, "Packages (default: those of the lock file)");
    return [attrpaths, &global] { return run_cache_key(*attrpaths, global); };
}

} // namespace cudapkgs::cli
