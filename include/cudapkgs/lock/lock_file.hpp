// SPDX-License-Identifier: Apache-2.0
// `cudapkgs.lock`: everything that decides what a set of attribute paths builds, as stable
// JSON, and the differences between a lock and the current evaluation (docs/commands/lock.md).
#pragma once

#include <cudapkgs/pkgset/evaluator.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::lock {

/// The lock file format version written into `lockVersion`.
inline constexpr int kLockVersion = 1;
/// The default lock file name.
inline constexpr const char* kLockFileName = "cudapkgs.lock";

/// Computes the lock of `attrpaths` (packages): manifests, aliases, archives of the packages and
/// their transitive dependencies, fixup and overlay hashes, licences, capabilities and store
/// path names. Throws what evaluation throws (unknown attribute, licence, unavailable).
nlohmann::json compute_lock(pkgset::Evaluator& evaluator,
                            const std::vector<std::string>& attrpaths);

/// The lock as written to disk: 2-space indent, sorted keys, trailing newline.
std::string render_lock(const nlohmann::json& lock);

/// Parses lock file text; throws Error{InvalidInput} naming `path` when it is not a lock.
nlohmann::json parse_lock(std::string_view text, std::string_view path);

/// The attribute paths a lock was made for, in order.
std::vector<std::string> locked_attrpaths(const nlohmann::json& lock);

/// Human-readable differences between a lock and a freshly computed one (empty = no drift),
/// e.g. "upstream archive changed: cudnn/redist/… old sha256 X new Y".
std::vector<std::string> diff_locks(const nlohmann::json& locked, const nlohmann::json& current);

/// A CI cache key that changes iff the store content for the packages would: a hash of the
/// sorted store path names of `lock`'s packages, the cudapkgs version and the system.
std::string cache_key(const nlohmann::json& lock);

} // namespace cudapkgs::lock
