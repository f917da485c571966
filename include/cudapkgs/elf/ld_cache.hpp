// SPDX-License-Identifier: Apache-2.0
// The system's default library search: /etc/ld.so.cache and the standard directories.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::elf {

/// One library of the cache: soname → path, with glibc's flags (architecture bits).
struct LdCacheEntry {
    std::string soname;
    std::string path;
    std::int32_t flags = 0;
};

/// Parses ld.so.cache bytes in the "glibc-ld.so.cache1.1" format, alone or after the old
/// "ld.so-1.7.0" table. Throws Error{Integrity} when the data is malformed and
/// Error{InvalidInput} for an unknown format.
std::vector<LdCacheEntry> parse_ld_cache(std::string_view bytes);

/// Reads and parses `path`; an absent file gives an empty list.
std::vector<LdCacheEntry> load_ld_cache(const std::filesystem::path& path = "/etc/ld.so.cache");

/// The directories the loader searches last for `machine` (e.g. /lib/x86_64-linux-gnu, /lib64).
std::vector<std::filesystem::path> default_library_dirs(std::uint16_t machine);

/// Libraries that come with the GPU driver, not with packages: libcuda.so*, libnvidia-*.so*,
/// and the other driver-installed libraries the CUDA runtime dlopens.
bool is_driver_library(std::string_view soname);

/// Splits a RUNPATH/RPATH on ':' and expands $ORIGIN / ${ORIGIN} with `origin_dir`.
/// Empty elements mean the current directory for the loader; they are returned as ".".
std::vector<std::string> expand_search_path(std::string_view path, const std::string& origin_dir);

/// True when `path` is an ELF64-LE file for `machine` (what the loader would accept).
bool is_compatible_library(const std::filesystem::path& path, std::uint16_t machine);

} // namespace cudapkgs::elf
