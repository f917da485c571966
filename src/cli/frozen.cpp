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

} // namespace

nlohmann::json load_lock_file(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw Error(ErrorKind::InvalidInput, fmt::format("lock file '{}' does not exist", path))
            .add_note("create it with 'cudapkgs lock ATTRPATH...' (or point --lock at it)");
    }
    return lock::parse_lock(util::read_file(path), path);
}

void check_frozen(EvalContext& ctx, const std::vector<std::string>& attrpaths) {
    if (!ctx.frozen) {
        return;
    }
    nlohmann::json locked = load_lock_file(ctx.lock_file);
    nlohmann::json current = lock::compute_lock(*ctx.evaluator, lock::locked_attrpaths(locked));
    std::vector<std::string> drift = lock::diff_locks(locked, current);
    for (const auto& attrpath : attrpaths) {
        if (!covered(ctx, locked, attrpath)) {
            drift.push_back(fmt::format("{} is not in the lock file", attrpath));
        }
    }
    if (drift.empty()) {
        return;
    }
    Error error(ErrorKind::InvalidInput,
                fmt::format("{} does not match the current evaluation (--frozen): {} "
                            "difference{}",
                            ctx.lock_file, drift.size(), drift.size() == 1 ? "" : "s"));
    for (auto& d : drift) {
        error.add_note(std::move(d));
    }
    error.add_note("review the changes, then run 'cudapkgs lock' to update the lock file");
    throw error;
}

} // namespace cudapkgs::cli
