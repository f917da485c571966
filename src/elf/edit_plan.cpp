// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/elf/edit_plan.hpp>
#include <cudapkgs/util/error.hpp>

#include <algorithm>
#include <cstring>
#include <map>

namespace cudapkgs::elf {

namespace {

constexpr std::uint64_t kPage = 4096;
constexpr std::size_t kSpareDynamicSlots = 4;
// Free PT_NULL entries left in a relocated program header table, so later growth reuses it.
constexpr std::size_t kSparePhdrs = 2;
constexpr std::uint64_t kMaxVerneed = 4096;
// A hole larger than this in an executable is not worth old-kernel AT_PHDR compatibility.
constexpr std::uint64_t kMaxHole = std::uint64_t{1} << 30;

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) {
    return (v + a - 1) & ~(a - 1);
}

template <typename T> std::string bytes_of(const T& v) {
    return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}

bool is_runpath_tag(std::int64_t tag) {
    return tag == DT_RUNPATH || tag == DT_RPATH;
}

void check_name(const std::string& s, std::string_view what) {
    if (s.find('\0') != std::string::npos) {
        fail(ErrorKind::InvalidInput, "{} contains a NUL byte", what);
    }
}

class Planner {
  public:
    Planner(const ElfFile& elf, const ElfEdits& edits)
        : m_elf(elf), m_edits(edits), m_entries(elf.dynamic()), m_strtab(elf.dynstr()),
          m_old_strsz(elf.dynstr().size()) {}

    EditPlan run();

  private:
    std::string_view str(std::uint64_t off) const { return m_strtab.c_str() + off; }
    std::uint64_t intern(const std::string& s);
    bool referenced_by_names(std::uint64_t begin, std::uint64_t end) const;
    void remove_needed();
    void replace_needed();
    void add_needed();
    void set_runpath();
    void fix_verneed();
    /// Where the parts of a new segment go.
    struct Layout {
        bool grow_str = false;
        bool move_dyn = false;
        bool move_phdrs = false;
        std::uint64_t phdr_size = 0;
        std::uint64_t dyn_pos = 0;
        std::size_t dyn_slots = 0;
        std::uint64_t str_pos = 0;
        std::uint64_t size = 0;
        std::uint64_t off = 0;
        std::uint64_t vaddr = 0;
        std::uint64_t align = 0;
    };
    void layout_segment();
    void update_program_headers(const Layout& l);
    void emit_segment(const Layout& l);
    std::uint64_t place_segment(std::uint64_t blob_size, std::uint64_t& off,
                                std::uint64_t& vaddr) const;
    void patch_sections(std::uint64_t strtab_off, std::uint64_t strtab_vaddr, std::uint64_t dyn_off,
                        std::uint64_t dyn_vaddr);
    std::string dynamic_bytes(std::size_t slots) const;
    void emit_in_place();

    const ElfFile& m_elf;
    const ElfEdits& m_edits;
    std::vector<DynamicEntry> m_entries;
    std::string m_strtab;
    std::uint64_t m_old_strsz;
    std::map<std::uint64_t, std::uint64_t> m_renamed; ///< old needed offset → new offset
    std::vector<Elf64_Phdr> m_phdrs;
    Elf64_Ehdr m_ehdr{};
    EditPlan m_plan;
};

std::uint64_t Planner::intern(const std::string& s) {
    std::string needle = s;
    needle.push_back('\0');
    // Reuse any NUL-terminated occurrence, including a suffix of a longer string.
    auto pos = m_strtab.find(needle);
    if (pos != std::string::npos) {
        return pos;
    }
    auto off = m_strtab.size();
    m_strtab += needle;
    return off;
}

bool Planner::referenced_by_names(std::uint64_t begin, std::uint64_t end) const {
    for (const auto& d : m_entries) {
        if ((d.tag == DT_NEEDED || d.tag == DT_SONAME) && d.value >= begin && d.value <= end) {
            return true;
        }
    }
    return false;
}

void Planner::remove_needed() {
    for (const auto& name : m_edits.remove_needed) {
        check_name(name, "library name");
        std::erase_if(m_entries, [&](const DynamicEntry& d) {
            return d.tag == DT_NEEDED && str(d.value) == name;
        });
    }
}

void Planner::replace_needed() {
    for (const auto& [old_name, new_name] : m_edits.replace_needed) {
        check_name(old_name, "library name");
        check_name(new_name, "library name");
        if (old_name == new_name) {
            continue;
        }
        for (auto& d : m_entries) {
            if (d.tag == DT_NEEDED && str(d.value) == old_name) {
                auto off = intern(new_name);
                m_renamed[d.value] = off;
                d.value = off;
            }
        }
    }
}

void Planner::add_needed() {
    std::vector<DynamicEntry> added;
    for (const auto& name : m_edits.add_needed) {
        check_name(name, "library name");
        bool present = std::any_of(m_entries.begin(), m_entries.end(), [&](const auto& d) {
            return d.tag == DT_NEEDED && str(d.value) == name;
        });
        present = present || std::any_of(added.begin(), added.end(),
                                         [&](const auto& d) { return str(d.value) == name; });
        if (!present) {
            added.push_back({DT_NEEDED, intern(name)});
        }
    }
    m_entries.insert(m_entries.begin(), added.begin(), added.end());
}

void Planner::set_runpath() {
    const std::string& wanted = *m_edits.runpath;
    check_name(wanted, "RUNPATH");
    std::vector<std::size_t> olds;
    for (std::size_t i = 0; i < m_entries.size(); ++i) {
        if (is_runpath_tag(m_entries[i].tag)) {
            olds.push_back(i);
        }
    }
    if (olds.size() == 1 && m_entries[olds[0]].tag == DT_RUNPATH &&
        str(m_entries[olds[0]].value) == wanted) {
        return;
    }
    // Overwrite an old string in place when the new one fits and nothing else points into
    // it; otherwise blank the old ones with 'X' (like patchelf) so no stale path survives
    // in the file, e.g. for store reference scanning.
    std::optional<std::uint64_t> target;
    for (auto i : olds) {
        auto off = m_entries[i].value;
        auto len = str(off).size();
        if (referenced_by_names(off, off + len)) {
            continue;
        }
        if (!target && wanted.size() <= len) {
            std::memcpy(m_strtab.data() + off, wanted.data(), wanted.size());
            std::memset(m_strtab.data() + off + wanted.size(), 0, len - wanted.size());
            target = off;
        } else if (off != target) {
            std::memset(m_strtab.data() + off, 'X', len);
        }
    }
    if (!target) {
        target = intern(wanted);
    }
    DynamicEntry entry{DT_RUNPATH, *target};
    if (olds.empty()) {
        m_entries.push_back(entry);
        return;
    }
    m_entries[olds[0]] = entry;
    for (auto it = olds.rbegin(); it != olds.rend() - 1; ++it) {
        m_entries.erase(m_entries.begin() + static_cast<std::ptrdiff_t>(*it));
    }
}

// DT_VERNEED names the library each version requirement comes from by the same string
// offset as DT_NEEDED; glibc matches them, so a renamed NEEDED must be renamed there too.
void Planner::fix_verneed() {
    auto addr = m_elf.find_dynamic(DT_VERNEED);
    auto num = m_elf.find_dynamic(DT_VERNEEDNUM);
    if (m_renamed.empty() || !addr || !num) {
        return;
    }
    if (*num > kMaxVerneed) {
        m_elf.malformed("DT_VERNEEDNUM is unreasonable");
    }
    std::uint64_t vaddr = *addr;
    for (std::uint64_t i = 0; i < *num; ++i) {
        auto off = m_elf.vaddr_to_offset(vaddr, sizeof(Elf64_Verneed));
        if (!off) {
            m_elf.malformed("version requirement entry is not mapped from the file");
        }
        Elf64_Verneed vn{};
        m_elf.source().read(*off, &vn, sizeof vn, "version requirement");
        auto it = m_renamed.find(vn.vn_file);
        if (it != m_renamed.end()) {
            vn.vn_file = static_cast<Elf64_Word>(it->second);
            m_plan.patches.push_back({*off, bytes_of(vn)});
        }
        if (vn.vn_next == 0) {
            break;
        }
        vaddr += vn.vn_next;
    }
}

std::string Planner::dynamic_bytes(std::size_t slots) const {
    std::string out;
    out.reserve(slots * sizeof(Elf64_Dyn));
    for (std::size_t i = 0; i < slots; ++i) {
        Elf64_Dyn d{};
        if (i < m_entries.size()) {
            d.d_tag = m_entries[i].tag;
            d.d_un.d_val = m_entries[i].value;
        }
        out += bytes_of(d);
    }
    return out;
}

void Planner::emit_in_place() {
    const auto& dyn = m_elf.program_headers()[*m_elf.dynamic_index()];
    m_plan.patches.push_back({dyn.p_offset, dynamic_bytes(m_elf.dynamic_slots())});
}

// Returns the new segment's alignment; sets its file offset and address.
std::uint64_t Planner::place_segment(std::uint64_t blob_size, std::uint64_t& off,
                                     std::uint64_t& vaddr) const {
    std::uint64_t align = kPage;
    std::uint64_t max_end = 0;
    const Elf64_Phdr* first = nullptr;
    for (const auto& p : m_elf.program_headers()) {
        if (p.p_type != PT_LOAD) {
            continue;
        }
        align = std::max<std::uint64_t>(align, p.p_align);
        max_end = std::max(max_end, p.p_vaddr + p.p_memsz);
        if (first == nullptr || p.p_vaddr < first->p_vaddr) {
            first = &p;
        }
    }
    const std::uint64_t size = m_elf.source().size();
    if (align > (std::uint64_t{1} << 40) || max_end > (std::uint64_t{1} << 62) ||
        size > (std::uint64_t{1} << 62) || blob_size > (std::uint64_t{1} << 40)) {
        m_elf.malformed("segment addresses or alignment are too large to add a segment");
    }
    off = align_up(size, kPage);
    const std::uint64_t mem_start = align_up(max_end, align);
    // Kernels before 5.18 pass AT_PHDR = (first PT_LOAD's p_vaddr - p_offset) + e_phoff to
    // executables, so keep p_vaddr - p_offset equal to the first segment's when cheap.
    if (m_elf.interpreter() && first != nullptr && first->p_vaddr >= first->p_offset) {
        const std::uint64_t delta = first->p_vaddr - first->p_offset;
        if (delta % align == 0 && mem_start >= delta) {
            std::uint64_t want = std::max(off, mem_start - delta);
            if (want - size <= kMaxHole) {
                off = want;
                vaddr = off + delta;
                return align;
            }
        }
    }
    // Otherwise any address past the last segment whose residue modulo the alignment
    // matches the offset's, starting on a fresh page of the largest alignment.
    vaddr = mem_start + off % align;
    return align;
}

void Planner::patch_sections(std::uint64_t strtab_off, std::uint64_t strtab_vaddr,
                             std::uint64_t dyn_off, std::uint64_t dyn_vaddr) {
    const auto& shdrs = m_elf.section_headers();
    for (std::size_t i = 0; i < shdrs.size(); ++i) {
        Elf64_Shdr s = shdrs[i];
        bool is_dynstr = s.sh_type == SHT_STRTAB && s.sh_offset == m_elf.dynstr_offset() &&
                         (s.sh_flags & SHF_ALLOC) != 0 && strtab_off != 0;
        bool is_dynamic = s.sh_type == SHT_DYNAMIC && dyn_off != 0;
        if (is_dynstr) {
            s.sh_offset = strtab_off;
            s.sh_addr = strtab_vaddr;
            s.sh_size = m_strtab.size();
        } else if (is_dynamic) {
            s.sh_offset = dyn_off;
            s.sh_addr = dyn_vaddr;
            s.sh_size = (m_entries.size() + 1 + kSpareDynamicSlots) * sizeof(Elf64_Dyn);
        } else {
            continue;
        }
        m_plan.patches.push_back({m_elf.header().e_shoff + i * sizeof(Elf64_Shdr), bytes_of(s)});
    }
}

// Appends one PT_LOAD holding, as needed, the program header table (when there is no free
// slot for the new entry), the dynamic section (when its entries no longer fit) and the
// grown string table; then points the headers, DT_STRTAB/DT_STRSZ and sections at them.
void Planner::layout_segment() {
    m_ehdr = m_elf.header();
    m_phdrs = m_elf.program_headers();
    Layout l;
    l.grow_str = m_strtab.size() > m_old_strsz;
    l.move_dyn = m_entries.size() + 1 > m_elf.dynamic_slots();
    auto null_slot = std::find_if(m_phdrs.begin(), m_phdrs.end(),
                                  [](const auto& p) { return p.p_type == PT_NULL; });
    l.move_phdrs = null_slot == m_phdrs.end();
    if (!l.move_phdrs) {
        m_phdrs.erase(null_slot);
    }
    l.phdr_size = (m_phdrs.size() + 1 + (l.move_phdrs ? kSparePhdrs : 0)) * sizeof(Elf64_Phdr);
    l.dyn_pos = l.move_phdrs ? l.phdr_size : 0;
    l.dyn_slots = m_entries.size() + 1 + kSpareDynamicSlots;
    l.str_pos = l.dyn_pos + (l.move_dyn ? l.dyn_slots * sizeof(Elf64_Dyn) : 0);
    l.size = l.str_pos + (l.grow_str ? m_strtab.size() : 0);
    l.align = place_segment(l.size, l.off, l.vaddr);
    for (auto& d : m_entries) {
        if (l.grow_str && d.tag == DT_STRTAB) {
            d.value = l.vaddr + l.str_pos;
        } else if (l.grow_str && d.tag == DT_STRSZ) {
            d.value = m_strtab.size();
        }
    }
    update_program_headers(l);
    emit_segment(l);
}

void Planner::update_program_headers(const Layout& l) {
    Elf64_Phdr seg{};
    seg.p_type = PT_LOAD;
    seg.p_flags = PF_R | (l.move_dyn ? PF_W : 0);
    seg.p_offset = l.off;
    seg.p_vaddr = seg.p_paddr = l.vaddr;
    seg.p_filesz = seg.p_memsz = l.size;
    seg.p_align = l.align;
    // PT_LOAD entries must stay sorted by address; the new one has the highest.
    auto last_load = std::find_if(m_phdrs.rbegin(), m_phdrs.rend(),
                                  [](const auto& p) { return p.p_type == PT_LOAD; });
    m_phdrs.insert(last_load.base(), seg);
    for (auto& p : m_phdrs) {
        if (p.p_type == PT_PHDR && l.move_phdrs) {
            p.p_offset = l.off;
            p.p_vaddr = p.p_paddr = l.vaddr;
            p.p_filesz = p.p_memsz = l.phdr_size;
        } else if (p.p_type == PT_DYNAMIC && l.move_dyn) {
            p.p_offset = l.off + l.dyn_pos;
            p.p_vaddr = p.p_paddr = l.vaddr + l.dyn_pos;
            p.p_filesz = p.p_memsz = l.dyn_slots * sizeof(Elf64_Dyn);
        }
    }
    if (l.move_phdrs) {
        m_phdrs.resize(m_phdrs.size() + kSparePhdrs, Elf64_Phdr{});
    }
}

void Planner::emit_segment(const Layout& l) {
    std::string phdr_bytes;
    for (const auto& p : m_phdrs) {
        phdr_bytes += bytes_of(p);
    }
    std::string blob;
    if (l.move_phdrs) {
        blob += phdr_bytes;
        m_ehdr.e_phoff = l.off;
        m_ehdr.e_phnum = static_cast<Elf64_Half>(m_phdrs.size());
        m_plan.patches.push_back({0, bytes_of(m_ehdr)});
    } else {
        m_plan.patches.push_back({m_ehdr.e_phoff, phdr_bytes});
    }
    if (l.move_dyn) {
        blob += dynamic_bytes(l.dyn_slots);
    } else {
        emit_in_place();
    }
    if (l.grow_str) {
        blob += m_strtab;
    }
    patch_sections(l.grow_str ? l.off + l.str_pos : 0, l.vaddr + l.str_pos,
                   l.move_dyn ? l.off + l.dyn_pos : 0, l.vaddr + l.dyn_pos);
    m_plan.append_offset = l.off;
    m_plan.append = std::move(blob);
    m_plan.result.grew = true;
    m_plan.result.new_size = l.off + m_plan.append.size();
    m_plan.result.moved_dynamic = l.move_dyn;
    m_plan.result.moved_phdrs = l.move_phdrs;
}

EditPlan Planner::run() {
    if (!m_elf.has_dynamic() || !m_elf.find_dynamic(DT_STRTAB)) {
        fail(ErrorKind::InvalidInput, "{}: no dynamic section (statically linked?)",
             m_elf.source().name());
    }
    m_plan.result.new_size = m_elf.source().size();
    const auto before = m_entries.size();
    const auto old_entries = m_entries;
    remove_needed();
    replace_needed();
    add_needed();
    if (m_edits.runpath) {
        set_runpath();
    }
    fix_verneed();
    // The changed bytes of the old table (in-place strings, X-ed paths) are written back
    // even when a grown copy replaces it, so the old location holds no stale path either.
    std::string_view old_table = m_elf.dynstr();
    auto first = std::mismatch(old_table.begin(), old_table.end(), m_strtab.begin()).first;
    if (first != old_table.end()) {
        auto begin = static_cast<std::size_t>(first - old_table.begin());
        auto end = old_table.size();
        while (end > begin && old_table[end - 1] == m_strtab[end - 1]) {
            --end;
        }
        m_plan.patches.push_back(
            {m_elf.dynstr_offset() + begin, m_strtab.substr(begin, end - begin)});
    }
    bool entries_changed = before != m_entries.size() ||
                           !std::equal(old_entries.begin(), old_entries.end(), m_entries.begin(),
                                       [](const auto& a, const auto& b) {
                                           return a.tag == b.tag && a.value == b.value;
                                       });
    m_plan.result.changed = entries_changed || !m_plan.patches.empty();
    if (!m_plan.result.changed) {
        return std::move(m_plan);
    }
    if (m_strtab.size() > m_old_strsz || m_entries.size() + 1 > m_elf.dynamic_slots()) {
        layout_segment();
    } else {
        emit_in_place();
    }
    return std::move(m_plan);
}

} // namespace

EditPlan plan_edits(const ElfFile& elf, const ElfEdits& edits) {
    return Planner(elf, edits).run();
}

void apply_plan(std::string& file, const EditPlan& plan) {
    for (const auto& p : plan.patches) {
        file.replace(p.offset, p.bytes.size(), p.bytes);
    }
    if (!plan.append.empty()) {
        file.resize(plan.append_offset, '\0');
        file += plan.append;
    }
}

} // namespace cudapkgs::elf
