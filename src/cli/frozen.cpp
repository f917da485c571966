// SPDX-License-Identifier: Apache-2.0
#include "frozen.hpp"

#include <cudapkgs/lock/lock_file.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <filesystem>

namespace cudapkgs::cli {

namespace {

/// True when `attrpath` is one of the lock's packages, as written or as its canonical path.
bool covered(EvalContext& ctx, const nlohmann::json& lock, const std::string& attrpath) {
    const auto& packages = lock.at("packages");
    if (packages.contains(attrpath)) {
        return true;
    }
    std::string canonical = ctx.evaluator->resolve_package(attrpath).attrpath;
    for (const auto& [key, package] : packages.items()) {
        if (package.value("attrpath", "") == canonical) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> not_covered(EvalContext& ctx, const nlohmann::json& lock,
                                     const std::vector<std::string>& attrpaths) {
    std::vector<std::string> out;
    for (const auto& attrpath : attrpaths) {
        if (!covered(ctx, lock, attrpath)) {
            out.push_back(fmt::format("{} is not in the lock file", attrpath));
        }
    }
    return out;
}

/// The error for `drift` (one note each).
Error frozen_error(const EvalContext& ctx, std::vector<std::string> drift) {
    Error error(ErrorKind::InvalidInput,
                fmt::format("{} does not match the current evaluation (--frozen): {} "
                            "difference{}",
                            ctx.lock_file, drift.size(), drift.size() == 1 ? "" : "s"));
    for (auto& d : drift) {
        error.add_note(std::move(d));
    }
    error.add_note("review the changes, then run 'cudapkgs lock' to update the lock file");
    return error;
}

} // namespace

nlohmann::json load_lock_file(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw Error(ErrorKind::InvalidInput, fmt::format("lock file '{}' does not exist", path))
            .add_note("create it with 'cudapkgs lock ATTRPATH...' (or point --lock at it)");
    }
    return lock::parse_lock(util::read_file(path), path);
}

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

void check_frozen(EvalContext& ctx, const std::vector<std::string>& attrpaths) {
    if (!ctx.frozen) {
        return;
    }
    nlohmann::json locked = load_lock_file(ctx.lock_file);
    nlohmann::json current = lock::compute_lock(*ctx.evaluator, lock::locked_attrpaths(locked));
    std::vector<std::string> drift = lock::diff_locks(locked, current);
    for (auto& missing : not_covered(ctx, locked, attrpaths)) {
        drift.push_back(std::move(missing));
    }
    if (drift.empty()) {
        return;
    }
    throw frozen_error(ctx, std::move(drift));
}

void check_locked(EvalContext& ctx, const std::vector<std::string>& attrpaths) {
    if (!ctx.frozen || attrpaths.empty()) {
        return;
    }
    std::vector<std::string> missing = not_covered(ctx, load_lock_file(ctx.lock_file), attrpaths);
    if (!missing.empty()) {
        throw frozen_error(ctx, std::move(missing));
    }
}

} // namespace cudapkgs::cli
