// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/util/os_error.hpp>

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace cudapkgs::util {

ErrorKind os_error_kind(int err) noexcept {
    switch (err) {
    case EACCES:
    case EPERM:
    case EROFS:
    case ENOENT:
    case ENOTDIR:
    case EISDIR:
    case ELOOP:
    case ENAMETOOLONG:
    case EMFILE:
    case ENFILE:
    case ETXTBSY:
        return ErrorKind::Environment;
    case ENOSPC:
    case EDQUOT:
        return ErrorKind::BuildFailed; // a full disk is reported as before (docs/errors.md)
    default:
        return ErrorKind::Internal;
    }
}

namespace {

std::string fix_for(int err, const std::filesystem::path& path) {
    switch (err) {
    case EACCES:
    case EPERM:
        return fmt::format("{} is not accessible to this user (uid {}): fix its permissions, or "
                           "use another store with --store DIR (env CUDAPKGS_STORE)",
                           path.string(), ::geteuid());
    case EROFS:
        return fmt::format("{} is on a read-only file system: use a store on a writable one "
                           "(--store DIR or CUDAPKGS_STORE)",
                           path.string());
    case ENOENT:
    case ENOTDIR:
        return fmt::format("a directory on the way to {} does not exist: create it, or choose "
                           "another path",
                           path.string());
    case EMFILE:
    case ENFILE:
        return "too many open files: raise the limit (ulimit -n) or lower --jobs";
    case ENOSPC:
    case EDQUOT:
        return fmt::format("the file system holding {} is full: free space (cudapkgs store gc) "
                           "or use another store with --store DIR",
                           path.string());
    default:
        return {};
    }
}

} // namespace

Error os_error(int err, std::string_view what, const std::filesystem::path& path) {
    Error e(os_error_kind(err),
            fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(err)));
    if (auto fix = fix_for(err, path); !fix.empty()) {
        e.add_note(std::move(fix));
    }
    return e;
}

void fail_os(int err, std::string_view what, const std::filesystem::path& path) {
    throw os_error(err, what, path);
}

void fail_os(const std::error_code& ec, std::string_view what, const std::filesystem::path& path) {
    if (ec.category() == std::generic_category() || ec.category() == std::system_category()) {
        fail_os(ec.value(), what, path);
    }
    fail(ErrorKind::Internal, "cannot {} {}: {}", what, path.string(), ec.message());
}

} // namespace cudapkgs::util
