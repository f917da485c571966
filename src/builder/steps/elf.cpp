// SPDX-License-Identifier: Apache-2.0
// `elf`: NEEDED and RUNPATH edits of matching ELF files, applied with the RUNPATH policy.
#include "../expand.hpp"
#include "steps.hpp"

#include <cudapkgs/elf/resolve.hpp>

namespace cudapkgs::builder {

namespace fs = std::filesystem;

void add_elf_edits(const fixups::ElfStep& step, const InstallContext& ctx, const Staging& staging,
                   const fs::path& rel, const fs::path& final_file, elf::ElfEdits& edits) {
    const std::string path = rel.generic_string();
    for (const auto& e : step.add_needed) {
        if (path_matches(e.files, path)) {
            edits.add_needed.insert(edits.add_needed.end(), e.libs.begin(), e.libs.end());
        }
    }
    for (const auto& e : step.remove_needed) {
        if (path_matches(e.files, path)) {
            edits.remove_needed.insert(edits.remove_needed.end(), e.libs.begin(), e.libs.end());
        }
    }
    for (const auto& e : step.replace_needed) {
        if (path_matches(e.files, path)) {
            edits.replace_needed.emplace_back(e.from, e.to);
        }
    }
    for (const auto& e : step.runpath) {
        if (path_matches(e.files, path)) {
            for (const auto& dir : e.add) {
                const fs::path abs = expand(ctx, staging, dir);
                std::string entry = elf::origin_relative(final_file, abs);
                edits.runpath = edits.runpath ? *edits.runpath + ":" + entry : entry;
            }
        }
    }
}

} // namespace cudapkgs::builder
