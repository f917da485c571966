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

/// When ctx.frozen: recomputes the lock of ctx.lock_file's attribute paths and throws
/// Error{InvalidInput} (exit 3) listing every drift; also throws when one of `attrpaths` is not
/// covered by the lock. Does nothing when --frozen is off.
void check_frozen(EvalContext& ctx, const std::vector<std::string>& attrpaths);

} // namespace cudapkgs::cli
