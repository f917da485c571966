// SPDX-License-Identifier: Apache-2.0
// Failed system calls on a path: which error kind they are and what the user can do about it.
#pragma once

#include <cudapkgs/util/error.hpp>

#include <filesystem>
#include <string_view>
#include <system_error>

namespace cudapkgs::util {

/// Environment for a path the user can fix (permission denied, read-only file system, missing
/// directory, too many open files…), BuildFailed for a full disk or quota, Internal otherwise.
ErrorKind os_error_kind(int err) noexcept;

/// The error for `cannot <what> <path>: <strerror(err)>`, of os_error_kind(err), with a note
/// that names the path and the fix.
Error os_error(int err, std::string_view what, const std::filesystem::path& path);

/// Throws os_error(err, what, path).
[[noreturn]] void fail_os(int err, std::string_view what, const std::filesystem::path& path);
/// Throws os_error for a std::error_code of the generic or system category.
[[noreturn]] void fail_os(const std::error_code& ec, std::string_view what,
                          const std::filesystem::path& path);

} // namespace cudapkgs::util
