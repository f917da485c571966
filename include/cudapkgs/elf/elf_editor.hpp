// SPDX-License-Identifier: Apache-2.0
// Rewriting RUNPATH and DT_NEEDED of ELF64 little-endian files without reading them whole.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cudapkgs::elf {

/// The dynamic-section edits one rewrite applies, in this order: remove, replace, add, runpath.
struct ElfEdits {
    /// New DT_RUNPATH; an existing DT_RPATH is converted (the file ends with one DT_RUNPATH).
    std::optional<std::string> runpath;
    std::vector<std::string> remove_needed;
    std::vector<std::pair<std::string, std::string>> replace_needed; ///< old → new
    std::vector<std::string> add_needed; ///< inserted first, skipped when already present
};

/// How the result reaches the disk.
enum class WriteMode {
    /// Copy beside the file (copy_file_range: in-kernel, no user-space buffer), patch the copy,
    /// rename it over the original; permissions kept. Readers see the old or the new file.
    Atomic,
    /// Patch the file itself (for files a build step just wrote and nobody reads yet).
    InPlace,
};

/// What a rewrite did.
struct EditResult {
    bool changed = false;       ///< false: the file already matched, nothing was written
    bool grew = false;          ///< a new PT_LOAD segment was appended
    bool moved_dynamic = false; ///< the dynamic section moved into the new segment
    bool moved_phdrs = false;   ///< the program header table moved into the new segment
    std::uint64_t new_size = 0; ///< file size afterwards
};

/// Applies `edits` to the file at `path`. Throws Error{Integrity} for a malformed file,
/// Error{InvalidInput} for an unsupported one (not ELF64-LE, no dynamic section, a NEEDED to
/// replace or remove that is absent) or an I/O failure; the original is untouched on error.
EditResult edit_elf(const std::filesystem::path& path, const ElfEdits& edits,
                    WriteMode mode = WriteMode::Atomic, bool sync = false);

} // namespace cudapkgs::elf
