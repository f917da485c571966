// SPDX-License-Identifier: Apache-2.0
#include "elf_test_support.hpp"
#include "skip.hpp"

#include <cudapkgs/elf/elf_file.hpp>
#include <cudapkgs/elf/fatbin.hpp>
#include <cudapkgs/util/error.hpp>

#include <catch2/catch.hpp>

#include <cstring>

using namespace cudapkgs;
using namespace cudapkgs::elf;
namespace fs = std::filesystem;

TEST_CASE("classify_ident tells ELF classes apart without reading further", "[elf]") {
    std::string ident(EI_NIDENT, '\0');
    std::memcpy(ident.data(), ELFMAG, SELFMAG);
    ident[EI_CLASS] = ELFCLASS64;
    ident[EI_DATA] = ELFDATA2LSB;
    CHECK(classify_ident(ident) == ElfClass::Elf64LittleEndian);
    ident[EI_DATA] = ELFDATA2MSB;
    CHECK(classify_ident(ident) == ElfClass::Elf64BigEndian);
    ident[EI_CLASS] = ELFCLASS32;
    CHECK(classify_ident(ident) == ElfClass::Elf32BigEndian);
    ident[EI_DATA] = ELFDATA2LSB;
    CHECK(classify_ident(ident) == ElfClass::Elf32LittleEndian);
    CHECK(classify_ident("#!/bin/sh\n") == ElfClass::NotElf);
    CHECK(classify_ident("\x7f"
                         "EL") == ElfClass::NotElf);
    CHECK(to_string(ElfClass::Elf32LittleEndian) == "elf32-le");
}

TEST_CASE("load_elf_info reports other classes instead of misreading them", "[elf]") {
    util::ScopedTempDir tmp;
    std::string elf32(64, '\0');
    std::memcpy(elf32.data(), ELFMAG, SELFMAG);
    elf32[EI_CLASS] = ELFCLASS32;
    elf32[EI_DATA] = ELFDATA2LSB;
    test::write_text(tmp.path() / "e32", elf32);
    test::write_text(tmp.path() / "script", "#!/bin/sh\necho hi\n");
    CHECK(load_elf_info(tmp.path() / "e32").elf_class == ElfClass::Elf32LittleEndian);
    auto script = load_elf_info(tmp.path() / "script");
    CHECK(script.elf_class == ElfClass::NotElf);
    CHECK(script.needed.empty());
}

TEST_CASE("the reader sees what the linker wrote", "[elf]") {
    util::ScopedTempDir tmp;
    test::TinyProject p(tmp.path(), "-Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib'");
    REQUIRE(p.ok);
    auto lib = load_elf_info(tmp.path() / "libfoo.so");
    CHECK(lib.elf_class == ElfClass::Elf64LittleEndian);
    CHECK(lib.type == "dyn");
    CHECK(lib.soname == "libfoo.so");
    CHECK(std::find(lib.needed.begin(), lib.needed.end(), "libbar.so") != lib.needed.end());
    CHECK_FALSE(lib.interpreter);
#if defined(__x86_64__)
    CHECK(lib.machine == "x86_64");
#elif defined(__aarch64__)
    CHECK(lib.machine == "aarch64");
#endif
    auto exe = load_elf_info(tmp.path() / "main");
    CHECK(exe.runpath == "$ORIGIN/../lib");
    CHECK_FALSE(exe.rpath);
    REQUIRE(exe.interpreter);
    CHECK(exe.interpreter->find("ld-linux") != std::string::npos);
    CHECK(exe.needed.front() == "libfoo.so");
}

TEST_CASE("the reader reads only headers of a large CUDA library", "[elf]") {
    const fs::path lt = "/usr/local/cuda/lib/libcublasLt.so.13";
    if (!fs::exists(lt)) {
        CUDAPKGS_SKIP("no " + lt.string() + " here (the real-library check needs a CUDA install)");
    }
    auto info = load_elf_info(lt);
    CHECK(info.soname == "libcublasLt.so.13");
    CHECK_FALSE(info.sm_architectures.empty());
    // Every cubin architecture name has the form sm_<digits>.
    for (const auto& sm : info.sm_architectures) {
        CHECK(sm.rfind("sm_", 0) == 0);
    }
}

TEST_CASE("fatbin entries are listed from a synthetic .nv_fatbin section", "[elf]") {
    util::ScopedTempDir tmp;
    // A fatbin container: header (magic, version 1, header size 16, body size) then two
    // entries of 64-byte headers with 8-byte payloads: a cubin for sm_90, PTX for sm_80.
    std::string fat(16, '\0');
    auto put32 = [](std::string& s, std::size_t at, std::uint32_t v) {
        std::memcpy(&s[at], &v, 4);
    };
    auto put64 = [](std::string& s, std::size_t at, std::uint64_t v) {
        std::memcpy(&s[at], &v, 8);
    };
    put32(fat, 0, 0xBA55ED50);
    fat[4] = 1;
    fat[6] = 16;
    for (auto [kind, arch] : {std::pair{2, 90}, std::pair{1, 80}}) {
        std::string e(64 + 8, '\0');
        e[0] = static_cast<char>(kind);
        put32(e, 4, 64);
        put64(e, 8, 8);
        put32(e, 28, static_cast<std::uint32_t>(arch));
        fat += e;
    }
    put64(fat, 8, fat.size() - 16);
    std::string asm_src = ".section .nv_fatbin,\"a\"\n.byte ";
    for (std::size_t i = 0; i < fat.size(); ++i) {
        asm_src += (i ? "," : "") + std::to_string(static_cast<unsigned char>(fat[i]));
    }
    test::write_text(tmp.path() / "fat.s", asm_src + "\n");
    REQUIRE(test::run("cd " + test::quote(tmp.path()) +
                      " && cc -shared -nostdlib -o libfat.so fat.s") == 0);
    auto info = load_elf_info(tmp.path() / "libfat.so");
    CHECK(info.sm_architectures == std::vector<std::string>{"sm_90"});
    CHECK(info.ptx_architectures == std::vector<std::string>{"compute_80"});
}
