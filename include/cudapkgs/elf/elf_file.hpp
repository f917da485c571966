// SPDX-License-Identifier: Apache-2.0
// Bounds-checked reader for ELF64 little-endian files (x86_64, aarch64): headers, the dynamic
// section and its strings. Reads only the parts it needs, so memory does not grow with the
// file size.
#pragma once

#include <cudapkgs/elf/byte_source.hpp>

#include <cstdint>
#include <elf.h>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::elf {

/// What kind of file something is, decided from its identification bytes only.
enum class ElfClass {
    NotElf,
    Elf32LittleEndian,
    Elf32BigEndian,
    Elf64LittleEndian,
    Elf64BigEndian
};

/// "elf64-le", "elf32-be", "not-elf", ...
std::string_view to_string(ElfClass c) noexcept;

/// Classifies the first bytes of a file; never throws for short input (that is NotElf).
ElfClass classify_ident(std::string_view first_bytes) noexcept;

/// Classifies a file on disk; throws Error{InvalidInput} when it cannot be read.
ElfClass classify_file(const std::filesystem::path& path);

/// "x86_64", "aarch64", or "machine-<n>".
std::string machine_name(std::uint16_t machine);

/// One entry of the dynamic section.
struct DynamicEntry {
    std::int64_t tag = 0;
    std::uint64_t value = 0;
};

/// A parsed ELF64 little-endian file. Construction validates every header, offset and size it
/// uses and throws Error{Integrity} naming the file and the problem.
class ElfFile {
  public:
    /// Parses the file behind `source` (which must outlive this object).
    explicit ElfFile(const ByteSource& source);

    const ByteSource& source() const noexcept { return *m_source; }
    const Elf64_Ehdr& header() const noexcept { return m_ehdr; }
    const std::vector<Elf64_Phdr>& program_headers() const noexcept { return m_phdrs; }
    const std::vector<Elf64_Shdr>& section_headers() const noexcept { return m_shdrs; }
    /// Section name, or "" when there is no section string table.
    std::string section_name(std::size_t index) const;
    /// Index of the first section named `name`.
    std::optional<std::size_t> find_section(std::string_view name) const;

    bool has_dynamic() const noexcept { return m_dynamic_index.has_value(); }
    /// Index of PT_DYNAMIC in program_headers().
    std::optional<std::size_t> dynamic_index() const noexcept { return m_dynamic_index; }
    /// Dynamic entries before the first DT_NULL.
    const std::vector<DynamicEntry>& dynamic() const noexcept { return m_dynamic; }
    /// Number of 16-byte slots in PT_DYNAMIC (used entries, terminator and spares).
    std::size_t dynamic_slots() const noexcept { return m_dynamic_slots; }
    /// The dynamic string table (DT_STRTAB, DT_STRSZ bytes); ends with NUL when non-empty.
    const std::string& dynstr() const noexcept { return m_dynstr; }
    /// File offset of the dynamic string table.
    std::uint64_t dynstr_offset() const noexcept { return m_dynstr_offset; }
    /// The NUL-terminated string at `offset` in dynstr; throws Error{Integrity} when out of range.
    std::string_view dynstr_at(std::uint64_t offset) const;
    /// First value of a dynamic tag.
    std::optional<std::uint64_t> find_dynamic(std::int64_t tag) const;

    /// File offset of [vaddr, vaddr+size) through the PT_LOAD segment that maps it from file.
    std::optional<std::uint64_t> vaddr_to_offset(std::uint64_t vaddr, std::uint64_t size) const;

    std::vector<std::string> needed() const;
    std::optional<std::string> soname() const;
    std::optional<std::string> runpath() const;
    std::optional<std::string> rpath() const;
    std::optional<std::string> interpreter() const { return m_interpreter; }

    /// Throws Error{Integrity} for `path`'s source: "<name>: malformed ELF: <problem>".
    [[noreturn]] void malformed(std::string_view problem) const;

  private:
    void parse_header();
    void parse_program_headers();
    void parse_section_headers();
    void parse_interpreter();
    void parse_dynamic();
    void check_load_segments() const;

    const ByteSource* m_source;
    Elf64_Ehdr m_ehdr{};
    std::vector<Elf64_Phdr> m_phdrs;
    std::vector<Elf64_Shdr> m_shdrs;
    std::string m_shstrtab;
    std::optional<std::size_t> m_dynamic_index;
    std::vector<DynamicEntry> m_dynamic;
    std::size_t m_dynamic_slots = 0;
    std::string m_dynstr;
    std::uint64_t m_dynstr_offset = 0;
    std::optional<std::string> m_interpreter;
};

/// Everything `elf show` and `check` report about one file.
struct ElfInfo {
    std::string path;
    ElfClass elf_class = ElfClass::NotElf;
    std::string type;    ///< "exec", "dyn", "rel", "core", or "type-<n>"
    std::string machine; ///< "x86_64", "aarch64", ...
    std::optional<std::string> soname;
    std::vector<std::string> needed;
    std::optional<std::string> runpath;
    std::optional<std::string> rpath;
    std::optional<std::string> interpreter;
    std::vector<std::string> sm_architectures;  ///< "sm_90", ... cubins in .nv_fatbin
    std::vector<std::string> ptx_architectures; ///< "compute_90", ... PTX in .nv_fatbin
};

/// Reads a file's ElfInfo. Non-ELF64-LE files are classified only. Throws Error{Integrity} for
/// malformed ELF64 files, Error{InvalidInput} when unreadable.
ElfInfo load_elf_info(const std::filesystem::path& path, bool with_sm_architectures = true);

} // namespace cudapkgs::elf
