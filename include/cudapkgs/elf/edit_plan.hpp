// SPDX-License-Identifier: Apache-2.0
// The byte-level plan of an ELF rewrite: a few patches inside the file plus, when the new
// strings or entries do not fit, one appended PT_LOAD segment. Pure: computed from a parsed
// file, applied by edit_elf() (or by tests and the fuzzer to a buffer).
#pragma once

#include <cudapkgs/elf/elf_editor.hpp>
#include <cudapkgs/elf/elf_file.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cudapkgs::elf {

/// Bytes to write at an offset inside the original file.
struct Patch {
    std::uint64_t offset = 0;
    std::string bytes;
};

/// Everything a rewrite writes.
struct EditPlan {
    std::vector<Patch> patches;      ///< all inside [0, original size)
    std::uint64_t append_offset = 0; ///< where `append` goes (>= original size; gap is zeros)
    std::string append;              ///< the new segment, empty when nothing grows
    EditResult result;
};

/// Computes the rewrite of `elf` for `edits`. Throws Error{InvalidInput} for unsupported
/// requests (no dynamic section, NUL in a name) and Error{Integrity} for malformed input.
EditPlan plan_edits(const ElfFile& elf, const ElfEdits& edits);

/// Applies a plan to an in-memory copy of the file (tests and fuzzing).
void apply_plan(std::string& file, const EditPlan& plan);

} // namespace cudapkgs::elf
