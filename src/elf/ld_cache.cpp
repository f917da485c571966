// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/elf/byte_source.hpp>
#include <cudapkgs/elf/ld_cache.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <cstring>
#include <elf.h>
#include <fnmatch.h>

namespace cudapkgs::elf {

namespace {

constexpr std::string_view kOldMagic = "ld.so-1.7.0";
constexpr std::string_view kNewMagic = "glibc-ld.so.cache1.1";
constexpr std::size_t kOldHeader = 16; // magic[11] + padding + nlibs
constexpr std::size_t kOldEntry = 12;  // flags, key, value
constexpr std::size_t kNewHeader = 48; // magic+version, nlibs, len_strings, flags, ext, unused
constexpr std::size_t kNewEntry = 24;  // flags, key, value, osversion, hwcap
constexpr std::uint32_t kMaxLibs = 1u << 20;

template <typename T> T load(std::string_view b, std::size_t off) {
    T v;
    std::memcpy(&v, b.data() + off, sizeof v);
    return v;
}

std::string_view cstring_at(std::string_view table, std::uint32_t off) {
    if (off >= table.size()) {
        fail(ErrorKind::Integrity, "ld.so.cache: string offset {:#x} out of range", off);
    }
    auto rest = table.substr(off);
    auto end = rest.find('\0');
    if (end == std::string_view::npos) {
        fail(ErrorKind::Integrity, "ld.so.cache: unterminated string at {:#x}", off);
    }
    return rest.substr(0, end);
}

} // namespace

std::vector<LdCacheEntry> parse_ld_cache(std::string_view bytes) {
    std::size_t start = 0;
    if (bytes.substr(0, kOldMagic.size()) == kOldMagic) {
        if (bytes.size() < kOldHeader) {
            fail(ErrorKind::Integrity, "ld.so.cache: truncated header");
        }
        auto n = load<std::uint32_t>(bytes, 12);
        if (n > kMaxLibs) {
            fail(ErrorKind::Integrity, "ld.so.cache: unreasonable entry count {}", n);
        }
        start = (kOldHeader + std::size_t{n} * kOldEntry + 7) & ~std::size_t{7};
    }
    if (start > bytes.size() || bytes.substr(start, kNewMagic.size()) != kNewMagic) {
        fail(ErrorKind::InvalidInput, "ld.so.cache: unknown format (expected {})", kNewMagic);
    }
    auto data = bytes.substr(start);
    if (data.size() < kNewHeader) {
        fail(ErrorKind::Integrity, "ld.so.cache: truncated header");
    }
    auto n = load<std::uint32_t>(data, 20);
    if (n > kMaxLibs || !in_bounds(kNewHeader, std::uint64_t{n} * kNewEntry, data.size())) {
        fail(ErrorKind::Integrity, "ld.so.cache: {} entries do not fit in the file", n);
    }
    std::vector<LdCacheEntry> out;
    out.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) {
        std::size_t e = kNewHeader + std::size_t{i} * kNewEntry;
        LdCacheEntry entry;
        entry.flags = load<std::int32_t>(data, e);
        entry.soname = std::string(cstring_at(data, load<std::uint32_t>(data, e + 4)));
        entry.path = std::string(cstring_at(data, load<std::uint32_t>(data, e + 8)));
        out.push_back(std::move(entry));
    }
    return out;
}

std::vector<LdCacheEntry> load_ld_cache(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        return {};
    }
    auto bytes = util::read_file(path);
    try {
        return parse_ld_cache(bytes);
    } catch (Error& e) {
        e.add_note(fmt::format("while reading {}", path.string()));
        throw;
    }
}

std::vector<std::filesystem::path> default_library_dirs(std::uint16_t machine) {
    std::string triplet = machine == EM_AARCH64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
    return {"/lib/" + triplet, "/usr/lib/" + triplet, "/lib64", "/usr/lib64", "/lib", "/usr/lib"};
}

bool is_driver_library(std::string_view soname) {
    static constexpr const char* kPatterns[] = {"libcuda.so*", "libnvidia-*.so*",
                                                "libcudadebugger.so*", "libnvcuvid.so*",
                                                "libnvoptix.so*"};
    std::string s(soname);
    for (const char* p : kPatterns) {
        if (::fnmatch(p, s.c_str(), 0) == 0) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> expand_search_path(std::string_view path, const std::string& origin_dir) {
    std::vector<std::string> out;
    if (path.empty()) {
        return out;
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find(':', start);
        if (end == std::string_view::npos) {
            end = path.size();
        }
        std::string item(path.substr(start, end - start));
        for (std::string_view token : {"${ORIGIN}", "$ORIGIN"}) {
            for (auto pos = item.find(token); pos != std::string::npos;
                 pos = item.find(token, pos + origin_dir.size())) {
                item.replace(pos, token.size(), origin_dir);
            }
        }
        out.push_back(item.empty() ? "." : item);
        start = end + 1;
    }
    return out;
}

bool is_compatible_library(const std::filesystem::path& path, std::uint16_t machine) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return false;
    }
    try {
        FileSource src(path);
        if (src.size() < sizeof(Elf64_Ehdr)) {
            return false;
        }
        Elf64_Ehdr h{};
        src.read(0, &h, sizeof h, "ELF header");
        return std::memcmp(h.e_ident, ELFMAG, SELFMAG) == 0 && h.e_ident[EI_CLASS] == ELFCLASS64 &&
               h.e_ident[EI_DATA] == ELFDATA2LSB && h.e_machine == machine;
    } catch (const Error&) {
        return false;
    }
}

} // namespace cudapkgs::elf
