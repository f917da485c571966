// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/elf/fatbin.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <set>

namespace cudapkgs::elf {

namespace {

// Container header: magic, version, header size, size of the entries that follow.
constexpr std::uint32_t kFatbinMagic = 0xBA55ED50;
constexpr std::size_t kContainerHeader = 16;
// Entry header prefix we read: kind, version, header size, payload size, ..., arch at 28.
constexpr std::size_t kEntryPrefix = 32;
constexpr std::uint16_t kKindPtx = 1;
constexpr std::uint16_t kKindCubin = 2;
constexpr std::size_t kMaxEntries = std::size_t{1} << 20;
constexpr std::size_t kMaxPaddingWords = 64;

template <typename T> T load(const unsigned char* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

struct Walker {
    const ByteSource& src;
    std::uint64_t pos;
    std::uint64_t end;
    std::set<std::uint32_t> sm;
    std::set<std::uint32_t> ptx;
    std::size_t entries = 0;

    // Skips zero padding between containers; true when a container header starts at pos.
    bool at_container() {
        for (std::size_t i = 0; i <= kMaxPaddingWords; ++i) {
            unsigned char h[4];
            if (!in_bounds(pos, kContainerHeader, end)) {
                return false;
            }
            src.read(pos, h, sizeof h, "fatbin header");
            std::uint32_t word = load<std::uint32_t>(h);
            if (word == kFatbinMagic) {
                return true;
            }
            if (word != 0) {
                return false;
            }
            pos += 8;
        }
        return false;
    }

    bool container() {
        unsigned char h[kContainerHeader];
        src.read(pos, h, sizeof h, "fatbin header");
        auto header_size = load<std::uint16_t>(h + 6);
        auto body = load<std::uint64_t>(h + 8);
        if (header_size < kContainerHeader || !in_bounds(pos + header_size, body, end)) {
            return false;
        }
        std::uint64_t e = pos + header_size;
        const std::uint64_t stop = e + body;
        while (e < stop && entries < kMaxEntries) {
            unsigned char eh[kEntryPrefix];
            if (!in_bounds(e, kEntryPrefix, stop)) {
                return false;
            }
            src.read(e, eh, sizeof eh, "fatbin entry");
            auto kind = load<std::uint16_t>(eh);
            auto ehs = load<std::uint32_t>(eh + 4);
            auto size = load<std::uint64_t>(eh + 8);
            auto arch = load<std::uint32_t>(eh + 28);
            if (ehs < kEntryPrefix || !in_bounds(e + ehs, size, stop)) {
                return false;
            }
            if (kind == kKindCubin) {
                sm.insert(arch);
            } else if (kind == kKindPtx) {
                ptx.insert(arch);
            }
            ++entries;
            e += ehs + size;
        }
        pos = (stop + 7) & ~std::uint64_t{7};
        return true;
    }
};

std::vector<std::string> names(const std::set<std::uint32_t>& archs, const char* prefix) {
    std::vector<std::string> out;
    for (auto a : archs) {
        out.push_back(prefix + std::to_string(a));
    }
    return out;
}

} // namespace

FatbinArchitectures load_fatbin_architectures(const ElfFile& elf) {
    FatbinArchitectures out;
    auto index = elf.find_section(".nv_fatbin");
    if (!index) {
        return out;
    }
    const auto& s = elf.section_headers()[*index];
    if (s.sh_type == SHT_NOBITS) {
        return out;
    }
    // The reader checked that the section lies inside the file.
    Walker w{elf.source(), s.sh_offset, s.sh_offset + s.sh_size, {}, {}};
    while (w.entries < kMaxEntries && w.at_container() && w.container()) {
    }
    out.sm = names(w.sm, "sm_");
    out.ptx = names(w.ptx, "compute_");
    return out;
}

std::vector<std::string> fatbin_architectures(const ElfFile& elf) {
    return load_fatbin_architectures(elf).sm;
}

} // namespace cudapkgs::elf
