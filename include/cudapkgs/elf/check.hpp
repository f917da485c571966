// SPDX-License-Identifier: Apache-2.0
// `cudapkgs check`: does every DT_NEEDED of a file resolve the way the loader would find it?
#pragma once

#include <cudapkgs/elf/elf_file.hpp>
#include <cudapkgs/elf/ld_cache.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cudapkgs::elf {

/// How one NEEDED was (or was not) found.
enum class NeededStatus { Found, Driver, Missing };

/// "found", "driver", "missing".
std::string_view to_string(NeededStatus s) noexcept;

struct NeededResolution {
    std::string soname;
    NeededStatus status = NeededStatus::Missing;
    std::string path; ///< where it was found
    std::string via;  ///< "rpath", "runpath", "ld.so.cache", "default-dirs", "path"
};

struct FileCheck {
    ElfInfo info;
    std::vector<NeededResolution> needed;
    /// RUNPATH/RPATH directories outside the root given to check_elf (after $ORIGIN expansion).
    std::vector<std::string> escaping_paths;
    bool ok() const;
};

/// The system part of the search: ld.so.cache entries and the default directories.
struct SystemSearch {
    std::multimap<std::string, std::string> cache; ///< soname → path
    /// Loads /etc/ld.so.cache (if present); default directories are per machine.
    static SystemSearch load(const std::filesystem::path& cache_path = "/etc/ld.so.cache");
};

/// Resolves every NEEDED of `info` (an ELF64-LE file) like glibc: DT_RPATH (when there is no
/// DT_RUNPATH), DT_RUNPATH, ld.so.cache, default directories. Driver libraries that are not
/// found are reported as Driver. With `root`, search path entries outside it are listed.
FileCheck check_elf(const ElfInfo& info, const SystemSearch& system,
                    const std::optional<std::filesystem::path>& root = std::nullopt);

/// The ELF64-LE files under `inputs` (files as given, directories walked, symlinks inside
/// directories skipped since they point at files that are checked themselves).
std::vector<std::filesystem::path>
collect_elf_files(const std::vector<std::filesystem::path>& inputs);

} // namespace cudapkgs::elf
