// SPDX-License-Identifier: Apache-2.0
// RUNPATH computation for the builder, with autoPatchelf semantics: each NEEDED must come from
// the package's own lib directories, a dependency's, the system, or the driver, or be ignored.
#pragma once

#include <cudapkgs/elf/check.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cudapkgs::elf {

/// What resolution may know about the file system (faked in tests).
class LibraryLookup {
  public:
    virtual ~LibraryLookup() = default;
    /// True when `dir/soname` is a usable library (right class and machine).
    virtual bool has_library(const std::filesystem::path& dir, const std::string& soname) const = 0;
    /// True when the host's default search (ld.so.cache, standard dirs) finds `soname`.
    virtual bool system_has(const std::string& soname) const = 0;
};

/// LibraryLookup over the real disk for one machine (EM_X86_64, EM_AARCH64).
class DiskLibraryLookup final : public LibraryLookup {
  public:
    DiskLibraryLookup(std::uint16_t machine, SystemSearch system)
        : m_machine(machine), m_system(std::move(system)) {}
    bool has_library(const std::filesystem::path& dir, const std::string& soname) const override;
    bool system_has(const std::string& soname) const override;

  private:
    std::uint16_t m_machine;
    SystemSearch m_system;
};

/// One ELF file of an output, at its final location (the basis of $ORIGIN).
struct ResolveTarget {
    std::filesystem::path path;
    std::vector<std::string> needed;
};

struct ResolveInput {
    std::vector<ResolveTarget> files;
    std::vector<std::filesystem::path> own_lib_dirs;        ///< the package's outputs, first
    std::vector<std::filesystem::path> dependency_lib_dirs; ///< then its dependencies, in order
    std::vector<std::string> ignore_missing;                ///< fnmatch globs on sonames
    /// Driver libraries (libcuda.so*, ...) are left to the loader unless found here, in which
    /// case this absolute directory joins the RUNPATH before $ORIGIN.
    std::optional<std::filesystem::path> driver_lib_dir;
};

/// Where one NEEDED came from: a directory, or "$ORIGIN", "system", "driver", "ignored".
struct NeededSource {
    std::string soname;
    std::string source;
};

struct ResolvedFile {
    std::filesystem::path path;
    std::string runpath; ///< e.g. "$ORIGIN/../../<hash>-libcublas-lib/lib:$ORIGIN"
    std::vector<NeededSource> sources;
};

/// Computes every file's RUNPATH: the directories that satisfied a NEEDED (own lib dirs
/// first, then dependencies, each as an $ORIGIN-relative path), then the driver directory
/// if used, then $ORIGIN. Throws Error{BuildFailed} listing every unresolved file → soname.
std::vector<ResolvedFile> resolve_runpaths(const ResolveInput& input, const LibraryLookup& fs);

/// "$ORIGIN/<dir relative to file's directory>", or "$ORIGIN" for the directory itself.
std::string origin_relative(const std::filesystem::path& file, const std::filesystem::path& dir);

} // namespace cudapkgs::elf
