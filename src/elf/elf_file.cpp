// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/elf/elf_file.hpp>
#include <cudapkgs/elf/fatbin.hpp>
#include <cudapkgs/util/error.hpp>

#include <algorithm>
#include <cstring>

namespace cudapkgs::elf {

namespace {

constexpr std::size_t kMaxDynamicSlots = std::size_t{1} << 16;
constexpr std::uint64_t kMaxStringTable = std::uint64_t{256} << 20;
constexpr std::uint64_t kMaxSections = std::uint64_t{1} << 20;
constexpr std::uint64_t kMaxInterpreter = 4096;

bool is_power_of_two(std::uint64_t v) {
    return v != 0 && (v & (v - 1)) == 0;
}

std::string_view type_name(std::uint16_t type, std::string& scratch) {
    switch (type) {
    case ET_EXEC:
        return "exec";
    case ET_DYN:
        return "dyn";
    case ET_REL:
        return "rel";
    case ET_CORE:
        return "core";
    default:
        scratch = fmt::format("type-{}", type);
        return scratch;
    }
}

} // namespace

std::string_view to_string(ElfClass c) noexcept {
    switch (c) {
    case ElfClass::NotElf:
        return "not-elf";
    case ElfClass::Elf32LittleEndian:
        return "elf32-le";
    case ElfClass::Elf32BigEndian:
        return "elf32-be";
    case ElfClass::Elf64LittleEndian:
        return "elf64-le";
    case ElfClass::Elf64BigEndian:
        return "elf64-be";
    }
    return "not-elf";
}

ElfClass classify_ident(std::string_view b) noexcept {
    if (b.size() < EI_NIDENT || std::memcmp(b.data(), ELFMAG, SELFMAG) != 0) {
        return ElfClass::NotElf;
    }
    const auto cls = static_cast<unsigned char>(b[EI_CLASS]);
    const auto data = static_cast<unsigned char>(b[EI_DATA]);
    if (data != ELFDATA2LSB && data != ELFDATA2MSB) {
        return ElfClass::NotElf;
    }
    const bool le = data == ELFDATA2LSB;
    if (cls == ELFCLASS32) {
        return le ? ElfClass::Elf32LittleEndian : ElfClass::Elf32BigEndian;
    }
    if (cls == ELFCLASS64) {
        return le ? ElfClass::Elf64LittleEndian : ElfClass::Elf64BigEndian;
    }
    return ElfClass::NotElf;
}

ElfClass classify_file(const std::filesystem::path& path) {
    FileSource src(path);
    char ident[EI_NIDENT] = {};
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(src.size(), EI_NIDENT));
    src.read(0, ident, n, "identification");
    return classify_ident(std::string_view(ident, n));
}

std::string machine_name(std::uint16_t machine) {
    switch (machine) {
    case EM_X86_64:
        return "x86_64";
    case EM_AARCH64:
        return "aarch64";
    case EM_386:
        return "i386";
    case EM_ARM:
        return "arm";
    case EM_PPC64:
        return "ppc64";
    case EM_RISCV:
        return "riscv";
    default:
        return fmt::format("machine-{}", machine);
    }
}

ElfFile::ElfFile(const ByteSource& source) : m_source(&source) {
    parse_header();
    parse_program_headers();
    parse_section_headers();
    parse_interpreter();
    parse_dynamic();
}

void ElfFile::malformed(std::string_view problem) const {
    fail(ErrorKind::Integrity, "{}: malformed ELF: {}", m_source->name(), problem);
}

void ElfFile::parse_header() {
    if (m_source->size() < sizeof(Elf64_Ehdr)) {
        char ident[EI_NIDENT] = {};
        auto n = static_cast<std::size_t>(std::min<std::uint64_t>(m_source->size(), EI_NIDENT));
        m_source->read(0, ident, n, "identification");
        if (n < SELFMAG || std::memcmp(ident, ELFMAG, SELFMAG) != 0) {
            fail(ErrorKind::Integrity, "{}: not an ELF file", m_source->name());
        }
        malformed(fmt::format("truncated ELF header ({} bytes, need {})", m_source->size(),
                              sizeof(Elf64_Ehdr)));
    }
    m_source->read(0, &m_ehdr, sizeof m_ehdr, "ELF header");
    auto cls =
        classify_ident(std::string_view(reinterpret_cast<const char*>(m_ehdr.e_ident), EI_NIDENT));
    if (std::memcmp(m_ehdr.e_ident, ELFMAG, SELFMAG) != 0) {
        fail(ErrorKind::Integrity, "{}: not an ELF file", m_source->name());
    }
    if (cls == ElfClass::NotElf) {
        malformed("invalid class or data encoding in the identification bytes");
    }
    if (cls != ElfClass::Elf64LittleEndian) {
        fail(ErrorKind::InvalidInput, "{}: unsupported ELF class {} (only elf64-le is handled)",
             m_source->name(), to_string(cls));
    }
    if (m_ehdr.e_ident[EI_VERSION] != EV_CURRENT) {
        malformed("unknown ELF identification version");
    }
    if (m_ehdr.e_phnum > 0 && m_ehdr.e_phentsize != sizeof(Elf64_Phdr)) {
        malformed(fmt::format("program header entry size {} (expected {})", m_ehdr.e_phentsize,
                              sizeof(Elf64_Phdr)));
    }
    if (m_ehdr.e_shoff != 0 && m_ehdr.e_shentsize != sizeof(Elf64_Shdr)) {
        malformed(fmt::format("section header entry size {} (expected {})", m_ehdr.e_shentsize,
                              sizeof(Elf64_Shdr)));
    }
    if (m_ehdr.e_phnum == PN_XNUM) {
        malformed("extended program header count (PN_XNUM) is not supported");
    }
}

void ElfFile::parse_program_headers() {
    const std::uint64_t count = m_ehdr.e_phnum;
    if (count == 0) {
        return;
    }
    const std::uint64_t bytes = count * sizeof(Elf64_Phdr);
    if (!in_bounds(m_ehdr.e_phoff, bytes, m_source->size())) {
        malformed(fmt::format("program header table (offset {:#x}, {} entries) is outside the file",
                              m_ehdr.e_phoff, count));
    }
    m_phdrs.resize(count);
    m_source->read(m_ehdr.e_phoff, m_phdrs.data(), bytes, "program header table");
    for (std::size_t i = 0; i < m_phdrs.size(); ++i) {
        const auto& p = m_phdrs[i];
        if (p.p_filesz > 0 && !in_bounds(p.p_offset, p.p_filesz, m_source->size())) {
            malformed(fmt::format("segment {} (offset {:#x}, size {:#x}) is outside the file", i,
                                  p.p_offset, p.p_filesz));
        }
        if (p.p_type == PT_DYNAMIC) {
            if (m_dynamic_index) {
                malformed("more than one PT_DYNAMIC segment");
            }
            m_dynamic_index = i;
        }
    }
    check_load_segments();
}

void ElfFile::check_load_segments() const {
    std::vector<const Elf64_Phdr*> loads;
    for (const auto& p : m_phdrs) {
        if (p.p_type != PT_LOAD) {
            continue;
        }
        if (p.p_filesz > p.p_memsz) {
            malformed(fmt::format("PT_LOAD at {:#x}: file size exceeds memory size", p.p_vaddr));
        }
        if (p.p_memsz > UINT64_MAX - p.p_vaddr) {
            malformed(fmt::format("PT_LOAD at {:#x}: memory size overflows", p.p_vaddr));
        }
        if (p.p_align > 1 &&
            (!is_power_of_two(p.p_align) || p.p_offset % p.p_align != p.p_vaddr % p.p_align)) {
            malformed(fmt::format("PT_LOAD at {:#x}: offset {:#x} and address disagree modulo "
                                  "alignment {:#x}",
                                  p.p_vaddr, p.p_offset, p.p_align));
        }
        loads.push_back(&p);
    }
    std::sort(loads.begin(), loads.end(),
              [](const auto* a, const auto* b) { return a->p_vaddr < b->p_vaddr; });
    for (std::size_t i = 1; i < loads.size(); ++i) {
        if (loads[i - 1]->p_vaddr + loads[i - 1]->p_memsz > loads[i]->p_vaddr) {
            malformed(fmt::format("overlapping PT_LOAD segments at {:#x} and {:#x}",
                                  loads[i - 1]->p_vaddr, loads[i]->p_vaddr));
        }
    }
}

void ElfFile::parse_section_headers() {
    if (m_ehdr.e_shoff == 0) {
        return;
    }
    std::uint64_t count = m_ehdr.e_shnum;
    std::uint32_t strndx = m_ehdr.e_shstrndx;
    if (count == 0 || strndx == SHN_XINDEX) {
        Elf64_Shdr first{};
        m_source->read(m_ehdr.e_shoff, &first, sizeof first, "section header 0");
        if (count == 0) {
            count = first.sh_size;
        }
        if (strndx == SHN_XINDEX) {
            strndx = first.sh_link;
        }
    }
    if (count > kMaxSections ||
        !in_bounds(m_ehdr.e_shoff, count * sizeof(Elf64_Shdr), m_source->size())) {
        malformed(fmt::format("section header table (offset {:#x}, {} entries) is outside the file",
                              m_ehdr.e_shoff, count));
    }
    m_shdrs.resize(count);
    m_source->read(m_ehdr.e_shoff, m_shdrs.data(), count * sizeof(Elf64_Shdr),
                   "section header table");
    for (std::size_t i = 0; i < m_shdrs.size(); ++i) {
        const auto& s = m_shdrs[i];
        if (s.sh_type != SHT_NOBITS && s.sh_size > 0 &&
            !in_bounds(s.sh_offset, s.sh_size, m_source->size())) {
            malformed(fmt::format("section {} (offset {:#x}, size {:#x}) is outside the file", i,
                                  s.sh_offset, s.sh_size));
        }
    }
    if (strndx == SHN_UNDEF || count == 0) {
        return;
    }
    if (strndx >= count) {
        malformed(fmt::format("section name table index {} is out of range ({} sections)", strndx,
                              count));
    }
    const auto& s = m_shdrs[strndx];
    if (s.sh_type == SHT_NOBITS || s.sh_size > kMaxStringTable) {
        malformed("section name table is unusable");
    }
    m_shstrtab.resize(s.sh_size);
    m_source->read(s.sh_offset, m_shstrtab.data(), m_shstrtab.size(), "section name table");
}

std::string ElfFile::section_name(std::size_t index) const {
    if (index >= m_shdrs.size() || m_shdrs[index].sh_name >= m_shstrtab.size()) {
        return {};
    }
    const char* start = m_shstrtab.data() + m_shdrs[index].sh_name;
    return std::string(start, strnlen(start, m_shstrtab.size() - m_shdrs[index].sh_name));
}

std::optional<std::size_t> ElfFile::find_section(std::string_view name) const {
    for (std::size_t i = 0; i < m_shdrs.size(); ++i) {
        if (section_name(i) == name) {
            return i;
        }
    }
    return std::nullopt;
}

void ElfFile::parse_interpreter() {
    for (const auto& p : m_phdrs) {
        if (p.p_type != PT_INTERP) {
            continue;
        }
        if (p.p_filesz == 0 || p.p_filesz > kMaxInterpreter) {
            malformed(fmt::format("PT_INTERP has an unreasonable size {:#x}", p.p_filesz));
        }
        std::string s(p.p_filesz, '\0');
        m_source->read(p.p_offset, s.data(), s.size(), "PT_INTERP");
        if (s.back() != '\0') {
            malformed("PT_INTERP is not NUL-terminated");
        }
        s.resize(std::strlen(s.c_str()));
        m_interpreter = std::move(s);
        return;
    }
}

std::optional<std::uint64_t> ElfFile::vaddr_to_offset(std::uint64_t vaddr,
                                                      std::uint64_t size) const {
    for (const auto& p : m_phdrs) {
        if (p.p_type == PT_LOAD && vaddr >= p.p_vaddr &&
            in_bounds(vaddr - p.p_vaddr, size, p.p_filesz)) {
            return p.p_offset + (vaddr - p.p_vaddr);
        }
    }
    return std::nullopt;
}

void ElfFile::parse_dynamic() {
    if (!m_dynamic_index) {
        return;
    }
    const auto& p = m_phdrs[*m_dynamic_index];
    m_dynamic_slots = p.p_filesz / sizeof(Elf64_Dyn);
    if (m_dynamic_slots == 0 || m_dynamic_slots > kMaxDynamicSlots) {
        malformed(fmt::format("PT_DYNAMIC has an unreasonable size {:#x}", p.p_filesz));
    }
    std::vector<Elf64_Dyn> raw(m_dynamic_slots);
    m_source->read(p.p_offset, raw.data(), raw.size() * sizeof(Elf64_Dyn), "dynamic section");
    bool terminated = false;
    for (const auto& d : raw) {
        if (d.d_tag == DT_NULL) {
            terminated = true;
            break;
        }
        m_dynamic.push_back({d.d_tag, d.d_un.d_val});
    }
    if (!terminated) {
        malformed("dynamic section has no DT_NULL terminator");
    }
    auto strtab = find_dynamic(DT_STRTAB);
    auto strsz = find_dynamic(DT_STRSZ);
    if (!strtab) {
        for (const auto& d : m_dynamic) {
            if (d.tag == DT_NEEDED || d.tag == DT_SONAME || d.tag == DT_RPATH ||
                d.tag == DT_RUNPATH) {
                malformed("dynamic section uses strings but has no DT_STRTAB");
            }
        }
        return;
    }
    if (!strsz || *strsz == 0 || *strsz > kMaxStringTable) {
        malformed("dynamic string table has a missing or unreasonable DT_STRSZ");
    }
    auto offset = vaddr_to_offset(*strtab, *strsz);
    if (!offset) {
        malformed(
            fmt::format("DT_STRTAB {:#x} (+{:#x}) is not mapped from the file", *strtab, *strsz));
    }
    m_dynstr_offset = *offset;
    m_dynstr.resize(*strsz);
    m_source->read(*offset, m_dynstr.data(), m_dynstr.size(), "dynamic string table");
    if (m_dynstr.back() != '\0') {
        malformed("dynamic string table is not NUL-terminated");
    }
    for (const auto& d : m_dynamic) {
        if ((d.tag == DT_NEEDED || d.tag == DT_SONAME || d.tag == DT_RPATH ||
             d.tag == DT_RUNPATH) &&
            d.value >= m_dynstr.size()) {
            malformed(fmt::format("dynamic entry {:#x} points outside the string table "
                                  "(offset {:#x}, table size {:#x})",
                                  d.tag, d.value, m_dynstr.size()));
        }
    }
}

std::optional<std::uint64_t> ElfFile::find_dynamic(std::int64_t tag) const {
    for (const auto& d : m_dynamic) {
        if (d.tag == tag) {
            return d.value;
        }
    }
    return std::nullopt;
}

std::string_view ElfFile::dynstr_at(std::uint64_t offset) const {
    if (offset >= m_dynstr.size()) {
        malformed(fmt::format("string offset {:#x} is outside the dynamic string table ({:#x} "
                              "bytes)",
                              offset, m_dynstr.size()));
    }
    // parse_dynamic checked that the table ends with NUL, so strlen stays inside it.
    return std::string_view(m_dynstr.c_str() + offset);
}

std::vector<std::string> ElfFile::needed() const {
    std::vector<std::string> out;
    for (const auto& d : m_dynamic) {
        if (d.tag == DT_NEEDED) {
            out.emplace_back(dynstr_at(d.value));
        }
    }
    return out;
}

std::optional<std::string> ElfFile::soname() const {
    auto v = find_dynamic(DT_SONAME);
    return v ? std::optional<std::string>(dynstr_at(*v)) : std::nullopt;
}

std::optional<std::string> ElfFile::runpath() const {
    auto v = find_dynamic(DT_RUNPATH);
    return v ? std::optional<std::string>(dynstr_at(*v)) : std::nullopt;
}

std::optional<std::string> ElfFile::rpath() const {
    auto v = find_dynamic(DT_RPATH);
    return v ? std::optional<std::string>(dynstr_at(*v)) : std::nullopt;
}

ElfInfo load_elf_info(const std::filesystem::path& path, bool with_sm_architectures) {
    FileSource src(path);
    ElfInfo info;
    info.path = path.string();
    char ident[EI_NIDENT] = {};
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(src.size(), EI_NIDENT));
    src.read(0, ident, n, "identification");
    info.elf_class = classify_ident(std::string_view(ident, n));
    if (info.elf_class != ElfClass::Elf64LittleEndian) {
        if (n >= SELFMAG && std::memcmp(ident, ELFMAG, SELFMAG) == 0 &&
            info.elf_class == ElfClass::NotElf) {
            fail(ErrorKind::Integrity, "{}: malformed ELF: invalid identification bytes",
                 info.path);
        }
        return info;
    }
    ElfFile elf(src);
    std::string scratch;
    info.type = std::string(type_name(elf.header().e_type, scratch));
    info.machine = machine_name(elf.header().e_machine);
    info.soname = elf.soname();
    info.needed = elf.needed();
    info.runpath = elf.runpath();
    info.rpath = elf.rpath();
    info.interpreter = elf.interpreter();
    if (with_sm_architectures) {
        auto archs = load_fatbin_architectures(elf);
        info.sm_architectures = std::move(archs.sm);
        info.ptx_architectures = std::move(archs.ptx);
    }
    return info;
}

} // namespace cudapkgs::elf
