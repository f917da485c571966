// SPDX-License-Identifier: Apache-2.0
// libFuzzer entry point for the ELF reader and the rewrite planner: any input either parses
// or is rejected with cudapkgs::Error; a planned rewrite, applied, must parse again.
#include <cudapkgs/elf/edit_plan.hpp>
#include <cudapkgs/elf/elf_file.hpp>
#include <cudapkgs/elf/fatbin.hpp>
#include <cudapkgs/util/error.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace cudapkgs;
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    try {
        elf::MemorySource src(bytes, "fuzz");
        elf::ElfFile file(src);
        (void)file.needed();
        (void)file.soname();
        (void)file.runpath();
        (void)elf::load_fatbin_architectures(file);
        if (!file.has_dynamic() || !file.find_dynamic(DT_STRTAB)) {
            return 0;
        }
        elf::ElfEdits edits;
        edits.runpath = std::string(64 + size % 512, 'p');
        edits.add_needed = {"libfuzz.so"};
        if (!file.needed().empty()) {
            edits.replace_needed = {{file.needed().front(), "libreplaced.so"}};
        }
        auto plan = elf::plan_edits(file, edits);
        if (plan.append_offset > (std::uint64_t{1} << 24)) {
            return 0; // a huge sparse gap: valid, but too big to materialise here
        }
        std::string copy = bytes;
        elf::apply_plan(copy, plan);
        elf::MemorySource again(copy, "fuzz-rewritten");
        elf::ElfFile reread(again);
        if (reread.runpath() != edits.runpath) {
            std::abort(); // the rewrite lost the RUNPATH it was asked to set
        }
    } catch (const Error&) {
    }
    return 0;
}
