// SPDX-License-Identifier: Apache-2.0
// --frozen: comparing the lock file with the current evaluation (docs/commands/lock.md).
#pragma once

#include "context.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace cudapkgs::cli {

/// Reads and parses the lock file at `path`; throws Error{InvalidInput} when it is missing or
/// not a lock (with a note on how to create one).
nlohmann::json load_lock_file(const std::string& path);

/// The attribute paths `lock` and `cache-key` work on: `attrpaths`, else those of the lock
/// file at `lock_path`; throws Error{Usage} when there are neither.
std::vector<std::string> attrpaths_or_locked(const std::vector<std::string>& attrpaths,
                                             const std::string& lock_path);

/// When ctx.frozen: recomputes the lock of ctx.lock_file's attribute paths and throws
/// Error{InvalidInput} (exit 3) listing every drift; also throws when one of `attrpaths` is not
/// covered by the lock. Does nothing when --frozen is off.
/// Commands reach this through Session::eval(), never directly.
void check_frozen(EvalContext& ctx, const std::vector<std::string>& attrpaths);

/// When ctx.frozen: throws Error{InvalidInput} when one of `attrpaths` is not covered by the
/// lock (the rest of check_frozen() having run already). Does nothing when --frozen is off.
void check_locked(EvalContext& ctx, const std::vector<std::string>& attrpaths);

} // namespace cudapkgs::cli
