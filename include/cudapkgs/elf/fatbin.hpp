// SPDX-License-Identifier: Apache-2.0
// GPU architectures embedded in a host ELF file's `.nv_fatbin` section.
#pragma once

#include <cudapkgs/elf/elf_file.hpp>

#include <string>
#include <vector>

namespace cudapkgs::elf {

/// GPU code found in fatbins: cubin architectures ("sm_90") and PTX ones ("compute_90").
struct FatbinArchitectures {
    std::vector<std::string> sm;  ///< sorted, unique
    std::vector<std::string> ptx; ///< sorted, unique
};

/// Walks the fatbin containers in `.nv_fatbin` reading only their small entry headers.
/// The payload format is NVIDIA's and undocumented, so parsing stops quietly at anything
/// unexpected and returns what was found; it never reads outside the section.
FatbinArchitectures load_fatbin_architectures(const ElfFile& elf);

/// The cubin architectures of load_fatbin_architectures().
std::vector<std::string> fatbin_architectures(const ElfFile& elf);

} // namespace cudapkgs::elf
