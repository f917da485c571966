// SPDX-License-Identifier: Apache-2.0
// Malformed input: every defect is Error{Integrity} naming the file, never a crash (these
// tests also run under ASan/UBSan).
#include "elf_test_support.hpp"

#include <cudapkgs/elf/edit_plan.hpp>
#include <cudapkgs/elf/elf_file.hpp>
#include <cudapkgs/util/error.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <random>

using namespace cudapkgs;
using namespace cudapkgs::elf;
namespace fs = std::filesystem;

namespace {

// Parses, reads every string and plans a growing rewrite; returns the error kind or nullopt.
std::optional<ErrorKind> exercise(const std::string& bytes) {
    try {
        MemorySource src(bytes, "case.so");
        ElfFile elf(src);
        (void)elf.needed();
        (void)elf.soname();
        (void)elf.runpath();
        ElfEdits e;
        e.runpath = std::string(300, 'r');
        e.add_needed = {"libadded.so"};
        if (elf.has_dynamic() && elf.find_dynamic(DT_STRTAB)) {
            auto plan = plan_edits(elf, e);
            std::string copy = bytes;
            apply_plan(copy, plan);
            MemorySource again(copy, "rewritten.so");
            ElfFile reread(again);
            CHECK(reread.runpath() == e.runpath);
        }
        return std::nullopt;
    } catch (const Error& err) {
        CHECK(std::string(err.what()).find("case.so") != std::string::npos);
        return err.kind();
    }
}

void expect_integrity(const std::string& bytes, const std::string& what) {
    INFO(what);
    auto kind = exercise(bytes);
    REQUIRE(kind.has_value());
    CHECK(*kind == ErrorKind::Integrity);
}

template <typename T> void poke(std::string& s, std::uint64_t at, T v) {
    std::memcpy(s.data() + at, &v, sizeof v);
}

std::string compiled_library(const fs::path& dir) {
    test::TinyProject p(dir);
    REQUIRE(p.ok);
    return util::read_file(dir / "libfoo.so");
}

} // namespace

TEST_CASE("the checked-in malformed corpus is rejected as Integrity", "[elf]") {
    fs::path dir = fs::path(CUDAPKGS_TEST_DATA) / "elf/invalid";
    std::size_t n = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        INFO(entry.path());
        try {
            (void)load_elf_info(entry.path());
            FAIL("accepted a malformed file");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::Integrity);
            CHECK(std::string(e.what()).find(entry.path().filename().string()) !=
                  std::string::npos);
        }
        ++n;
    }
    CHECK(n >= 15);
    CHECK(load_elf_info(fs::path(CUDAPKGS_TEST_DATA) / "elf/valid-minimal.elf").soname ==
          "libtiny.so");
}

TEST_CASE("a real library truncated at every header is rejected", "[elf]") {
    util::ScopedTempDir tmp;
    const std::string lib = compiled_library(tmp.path());
    REQUIRE_FALSE(exercise(lib));
    MemorySource src(lib);
    ElfFile elf(src);
    // (An empty file is "not an ELF file", Integrity; from the magic on it is a truncation.)
    std::vector<std::uint64_t> cuts = {4, 16, 63};
    const auto& h = elf.header();
    for (std::uint64_t i = 0; i < h.e_phnum; ++i) {
        cuts.push_back(h.e_phoff + i * sizeof(Elf64_Phdr) + 8);
    }
    for (const auto& p : elf.program_headers()) {
        if (p.p_filesz > 0) {
            cuts.push_back(p.p_offset + p.p_filesz - 1);
        }
    }
    for (std::uint64_t i = 0; i < h.e_shnum; ++i) {
        cuts.push_back(h.e_shoff + i * sizeof(Elf64_Shdr) + 1);
    }
    cuts.push_back(elf.dynstr_offset() + elf.dynstr().size() - 1);
    for (auto cut : cuts) {
        expect_integrity(lib.substr(0, cut), "truncated at " + std::to_string(cut));
    }
}

TEST_CASE("absurd offsets, counts, overlaps and missing terminators are rejected", "[elf]") {
    util::ScopedTempDir tmp;
    const std::string lib = compiled_library(tmp.path());
    MemorySource src(lib);
    ElfFile elf(src);
    const auto& h = elf.header();
    const auto dyn_index = *elf.dynamic_index();
    const auto ph = [&](std::size_t i) { return h.e_phoff + i * sizeof(Elf64_Phdr); };
    const auto dyn_off = elf.program_headers()[dyn_index].p_offset;
    auto mutate = [&](auto&& f, const char* what) {
        std::string s = lib;
        f(s);
        expect_integrity(s, what);
    };
    mutate([&](std::string& s) { poke<std::uint64_t>(s, 32, ~std::uint64_t{0} - 8); }, "phoff");
    mutate([&](std::string& s) { poke<std::uint16_t>(s, 56, 0xfff0); }, "phnum");
    mutate([&](std::string& s) { poke<std::uint64_t>(s, 40, std::uint64_t{1} << 62); }, "shoff");
    mutate([&](std::string& s) { poke<std::uint16_t>(s, 60, 0xfff0); }, "shnum");
    mutate([&](std::string& s) { poke<std::uint16_t>(s, 62, 0xfff0); }, "shstrndx");
    mutate([&](std::string& s) { poke<std::uint64_t>(s, ph(dyn_index) + 32, 1ull << 40); },
           "dynamic size");
    mutate([&](std::string& s) { poke<std::uint64_t>(s, ph(dyn_index) + 8, 1ull << 63); },
           "dynamic offset");
    // Overlap: the second PT_LOAD starts where the first starts.
    mutate(
        [&](std::string& s) {
            std::size_t first = 0, second = 0, seen = 0;
            for (std::size_t i = 0; i < elf.program_headers().size(); ++i) {
                if (elf.program_headers()[i].p_type == PT_LOAD) {
                    (seen++ == 0 ? first : second) = i;
                }
            }
            REQUIRE(seen >= 2);
            auto p0 = elf.program_headers()[first];
            auto p1 = elf.program_headers()[second];
            p1.p_vaddr = p0.p_vaddr + (p1.p_offset % p1.p_align);
            poke(s, ph(second), p1);
        },
        "overlapping PT_LOAD");
    // String table without terminator, dynamic section without DT_NULL, and bad string refs.
    mutate([&](std::string& s) { s[elf.dynstr_offset() + elf.dynstr().size() - 1] = 'A'; },
           "unterminated dynstr");
    mutate(
        [&](std::string& s) {
            for (std::size_t i = 0; i < elf.dynamic_slots(); ++i) {
                Elf64_Dyn d{};
                std::memcpy(&d, s.data() + dyn_off + i * 16, 16);
                if (d.d_tag == DT_NULL) {
                    poke<std::int64_t>(s, dyn_off + i * 16, DT_DEBUG);
                }
            }
        },
        "no DT_NULL");
    for (std::int64_t tag : {DT_NEEDED, DT_STRSZ, DT_STRTAB}) {
        mutate(
            [&](std::string& s) {
                for (std::size_t i = 0; i < elf.dynamic().size(); ++i) {
                    if (elf.dynamic()[i].tag == tag) {
                        poke<std::uint64_t>(s, dyn_off + i * 16 + 8, 0x7fffffff0000ull);
                    }
                }
            },
            "absurd dynamic value");
    }
}

TEST_CASE("random corruption of headers never crashes", "[elf]") {
    util::ScopedTempDir tmp;
    const std::string lib = compiled_library(tmp.path());
    MemorySource src(lib);
    ElfFile elf(src);
    const auto dyn_off = elf.program_headers()[*elf.dynamic_index()].p_offset;
    std::mt19937_64 rng(12345);
    std::size_t rejected = 0;
    for (int i = 0; i < 1500; ++i) {
        std::string s = lib;
        int flips = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < flips; ++k) {
            // Half in the ELF and program headers, half in the dynamic section.
            std::uint64_t at = (rng() % 2 == 0) ? rng() % 512 : dyn_off + rng() % 256;
            if (at < s.size()) {
                s[at] = static_cast<char>(rng());
            }
        }
        rejected += exercise(s).has_value() ? 1 : 0;
    }
    CHECK(rejected > 0);
}
