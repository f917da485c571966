// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/elf/check.hpp>
#include <cudapkgs/util/error.hpp>

#include <algorithm>

namespace cudapkgs::elf {

namespace fs = std::filesystem;

namespace {

std::uint16_t machine_number(const std::string& name) {
    return name == "aarch64" ? EM_AARCH64 : name == "x86_64" ? EM_X86_64 : EM_NONE;
}

std::optional<std::string> search_dirs(const std::vector<std::string>& dirs,
                                       const std::string& soname, std::uint16_t machine) {
    for (const auto& d : dirs) {
        fs::path candidate = fs::path(d) / soname;
        if (is_compatible_library(candidate, machine)) {
            return candidate.lexically_normal().string();
        }
    }
    return std::nullopt;
}

NeededResolution resolve_one(const std::string& soname, const ElfInfo& info,
                             const std::vector<std::string>& rpath,
                             const std::vector<std::string>& runpath, const SystemSearch& system) {
    NeededResolution r{soname, NeededStatus::Missing, {}, {}};
    const auto machine = machine_number(info.machine);
    auto found = [&](std::string path, const char* via) {
        r.status = NeededStatus::Found;
        r.path = std::move(path);
        r.via = via;
        return r;
    };
    if (soname.find('/') != std::string::npos) {
        if (is_compatible_library(soname, machine)) {
            return found(soname, "path");
        }
        return r;
    }
    if (auto p = search_dirs(rpath, soname, machine)) {
        return found(*p, "rpath");
    }
    if (auto p = search_dirs(runpath, soname, machine)) {
        return found(*p, "runpath");
    }
    auto [begin, end] = system.cache.equal_range(soname);
    for (auto it = begin; it != end; ++it) {
        if (is_compatible_library(it->second, machine)) {
            return found(it->second, "ld.so.cache");
        }
    }
    std::vector<std::string> defaults;
    for (const auto& d : default_library_dirs(machine)) {
        defaults.push_back(d.string());
    }
    if (auto p = search_dirs(defaults, soname, machine)) {
        return found(*p, "default-dirs");
    }
    if (is_driver_library(soname)) {
        r.status = NeededStatus::Driver;
    }
    return r;
}

bool inside(const fs::path& dir, const fs::path& root) {
    auto d = fs::weakly_canonical(dir).lexically_normal();
    auto rel = d.lexically_relative(root);
    return !rel.empty() && *rel.begin() != "..";
}

} // namespace

std::string_view to_string(NeededStatus s) noexcept {
    switch (s) {
    case NeededStatus::Found:
        return "found";
    case NeededStatus::Driver:
        return "driver";
    case NeededStatus::Missing:
        return "missing";
    }
    return "missing";
}

bool FileCheck::ok() const {
    return escaping_paths.empty() && std::none_of(needed.begin(), needed.end(), [](const auto& n) {
               return n.status == NeededStatus::Missing;
           });
}

SystemSearch SystemSearch::load(const fs::path& cache_path) {
    SystemSearch s;
    for (auto& e : load_ld_cache(cache_path)) {
        s.cache.emplace(std::move(e.soname), std::move(e.path));
    }
    return s;
}

FileCheck check_elf(const ElfInfo& info, const SystemSearch& system,
                    const std::optional<fs::path>& root) {
    FileCheck out{info, {}, {}};
    std::string origin = fs::absolute(info.path).parent_path().lexically_normal().string();
    auto runpath = expand_search_path(info.runpath.value_or(""), origin);
    // glibc ignores DT_RPATH when DT_RUNPATH is present.
    auto rpath = info.runpath ? std::vector<std::string>{}
                              : expand_search_path(info.rpath.value_or(""), origin);
    for (const auto& soname : info.needed) {
        out.needed.push_back(resolve_one(soname, info, rpath, runpath, system));
    }
    if (root) {
        auto canonical_root = fs::weakly_canonical(*root).lexically_normal();
        for (const auto& list : {rpath, runpath}) {
            for (const auto& d : list) {
                if (!inside(d, canonical_root)) {
                    out.escaping_paths.push_back(d);
                }
            }
        }
    }
    return out;
}

std::vector<fs::path> collect_elf_files(const std::vector<fs::path>& inputs) {
    std::vector<fs::path> out;
    auto consider = [&](const fs::path& p) {
        if (classify_file(p) == ElfClass::Elf64LittleEndian) {
            out.push_back(p);
        }
    };
    for (const auto& input : inputs) {
        std::error_code ec;
        auto st = fs::status(input, ec);
        if (ec || !fs::exists(st)) {
            fail(ErrorKind::InvalidInput, "{}: no such file or directory", input.string());
        }
        if (!fs::is_directory(st)) {
            // A file named on the command line must be ELF (as readelf and patchelf insist);
            // only a directory walk skips other files silently.
            if (auto cls = classify_file(input); cls != ElfClass::Elf64LittleEndian) {
                fail(ErrorKind::Integrity, "{}: {}", input.string(),
                     cls == ElfClass::NotElf
                         ? std::string("not an ELF file")
                         : "unsupported ELF class " + std::string(to_string(cls)));
            }
            out.push_back(input);
            continue;
        }
        std::vector<fs::path> found;
        for (auto it = fs::recursive_directory_iterator(input); it != fs::end(it); ++it) {
            if (!it->is_symlink() && it->is_regular_file()) {
                found.push_back(it->path());
            }
        }
        std::sort(found.begin(), found.end());
        for (const auto& f : found) {
            consider(f);
        }
    }
    return out;
}

} // namespace cudapkgs::elf
