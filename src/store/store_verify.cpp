// SPDX-License-Identifier: Apache-2.0
#include "database.hpp"

#include <cudapkgs/store/store.hpp>
#include <cudapkgs/store/tree_hash.hpp>
#include <cudapkgs/util/error.hpp>

#include <sys/stat.h>

namespace cudapkgs::store {

namespace fs = std::filesystem;
using detail::Statement;

namespace {

std::optional<VerifyProblem> check_one(const PathInfo& info, const fs::path& abs) {
    using Kind = VerifyProblem::Kind;
    struct stat st {};
    if (::lstat(abs.c_str(), &st) != 0) {
        return VerifyProblem{info.path, Kind::Missing, fmt::format("{} is missing", abs.string())};
    }
    if (S_ISLNK(st.st_mode)) {
        std::error_code ec;
        auto target = fs::read_symlink(abs, ec);
        return VerifyProblem{
            info.path, Kind::Symlink,
            fmt::format("{} has been replaced by a symlink to {}", abs.string(), target.string())};
    }
    TreeHash actual;
    try {
        actual = hash_tree(abs);
    } catch (const Error& e) {
        return VerifyProblem{info.path, Kind::Unreadable, e.what()};
    }
    if (actual.hash != info.hash || actual.size != info.size) {
        return VerifyProblem{info.path, Kind::Modified,
                             fmt::format("{} was modified: expected {} ({} bytes), got {} ({} "
                                         "bytes)",
                                         abs.string(), info.hash, info.size, actual.hash,
                                         actual.size)};
    }
    return std::nullopt;
}

} // namespace

VerifyReport Store::verify() {
    VerifyReport report;
    for (const auto& info : list()) {
        ++report.checked;
        if (auto problem = check_one(info, to_absolute(info.path))) {
            report.problems.push_back(std::move(*problem));
        }
    }
    {
        Statement st(*m_db, "PRAGMA integrity_check");
        while (st.step()) {
            if (auto row = st.column_text(0); row != "ok") {
                report.database_problems.push_back(row);
            }
        }
    }
    {
        Statement st(*m_db, "PRAGMA foreign_key_check");
        while (st.step()) {
            report.database_problems.push_back(fmt::format("dangling reference in table {} row {}",
                                                           st.column_text(0), st.column_int(1)));
        }
    }
    return report;
}

} // namespace cudapkgs::store
