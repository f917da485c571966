// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/elf/resolve.hpp>
#include <cudapkgs/util/error.hpp>

#include <algorithm>
#include <fnmatch.h>

namespace cudapkgs::elf {

namespace fs = std::filesystem;

namespace {

bool matches_any(const std::vector<std::string>& globs, const std::string& soname) {
    return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) {
        return ::fnmatch(g.c_str(), soname.c_str(), 0) == 0;
    });
}

struct FileResolver {
    const ResolveInput& input;
    const LibraryLookup& fs;
    const ResolveTarget& target;
    std::vector<fs::path> used; // in search order, unique
    bool driver_dir_used = false;
    ResolvedFile out{target.path, {}, {}};

    std::optional<fs::path> find_in(const std::vector<fs::path>& dirs, const std::string& so) {
        for (const auto& d : dirs) {
            if (fs.has_library(d, so)) {
                return d;
            }
        }
        return std::nullopt;
    }

    // Returns false when the soname is unresolved.
    bool resolve(const std::string& so) {
        std::optional<fs::path> dir = find_in(input.own_lib_dirs, so);
        if (!dir) {
            dir = find_in(input.dependency_lib_dirs, so);
        }
        if (!dir && fs.has_library(target.path.parent_path(), so)) {
            dir = target.path.parent_path();
        }
        if (dir) {
            if (std::find(used.begin(), used.end(), *dir) == used.end()) {
                used.push_back(*dir);
            }
            out.sources.push_back({so, dir->string()});
            return true;
        }
        std::string source;
        if (is_driver_library(so)) {
            driver_dir_used = driver_dir_used ||
                              (input.driver_lib_dir && fs.has_library(*input.driver_lib_dir, so));
            source = "driver";
        } else if (fs.system_has(so)) {
            source = "system";
        } else if (matches_any(input.ignore_missing, so)) {
            source = "ignored";
        } else {
            return false;
        }
        out.sources.push_back({so, source});
        return true;
    }

    std::string runpath() const {
        std::vector<std::string> parts;
        auto add = [&](std::string p) {
            if (std::find(parts.begin(), parts.end(), p) == parts.end()) {
                parts.push_back(std::move(p));
            }
        };
        // Search order is own dirs, then dependencies; `used` was filled per NEEDED, so
        // sort it by position in that order.
        std::vector<fs::path> order = input.own_lib_dirs;
        order.insert(order.end(), input.dependency_lib_dirs.begin(),
                     input.dependency_lib_dirs.end());
        for (const auto& d : order) {
            if (std::find(used.begin(), used.end(), d) != used.end()) {
                auto rel = origin_relative(target.path, d);
                if (rel != "$ORIGIN") {
                    add(rel);
                }
            }
        }
        if (driver_dir_used) {
            add(input.driver_lib_dir->string());
        }
        add("$ORIGIN");
        std::string s;
        for (const auto& p : parts) {
            s += (s.empty() ? "" : ":") + p;
        }
        return s;
    }
};

} // namespace

std::string origin_relative(const fs::path& file, const fs::path& dir) {
    auto base = file.parent_path().lexically_normal();
    auto rel = dir.lexically_normal().lexically_relative(base);
    std::string r = rel.string();
    while (!r.empty() && r.back() == '/') {
        r.pop_back();
    }
    if (r.empty() || r == ".") {
        return "$ORIGIN";
    }
    return "$ORIGIN/" + r;
}

bool DiskLibraryLookup::has_library(const fs::path& dir, const std::string& soname) const {
    return is_compatible_library(dir / soname, m_machine);
}

bool DiskLibraryLookup::system_has(const std::string& soname) const {
    auto [begin, end] = m_system.cache.equal_range(soname);
    for (auto it = begin; it != end; ++it) {
        if (is_compatible_library(it->second, m_machine)) {
            return true;
        }
    }
    auto dirs = default_library_dirs(m_machine);
    return std::any_of(dirs.begin(), dirs.end(),
                       [&](const fs::path& d) { return has_library(d, soname); });
}

std::vector<ResolvedFile> resolve_runpaths(const ResolveInput& input, const LibraryLookup& fs) {
    std::vector<ResolvedFile> out;
    std::vector<std::string> unresolved;
    for (const auto& target : input.files) {
        FileResolver r{input, fs, target, {}, false, {}};
        r.out.path = target.path;
        for (const auto& so : target.needed) {
            if (!r.resolve(so)) {
                unresolved.push_back(fmt::format("{} → {}", target.path.string(), so));
            }
        }
        r.out.runpath = r.runpath();
        out.push_back(std::move(r.out));
    }
    if (!unresolved.empty()) {
        Error e(ErrorKind::BuildFailed,
                fmt::format("{} unresolved shared librar{} (add them as dependencies or to "
                            "ignore-missing)",
                            unresolved.size(), unresolved.size() == 1 ? "y" : "ies"));
        for (auto& u : unresolved) {
            e.add_note(std::move(u));
        }
        throw e;
    }
    return out;
}

} // namespace cudapkgs::elf
