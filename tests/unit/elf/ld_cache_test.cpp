// SPDX-License-Identifier: Apache-2.0
#include "elf_test_support.hpp"
#include "skip.hpp"

#include <cudapkgs/elf/check.hpp>
#include <cudapkgs/elf/elf_editor.hpp>
#include <cudapkgs/elf/ld_cache.hpp>
#include <cudapkgs/util/error.hpp>

#include <catch2/catch.hpp>

#include <cstring>

using namespace cudapkgs;
using namespace cudapkgs::elf;
namespace fs = std::filesystem;

namespace {

// Builds a "glibc-ld.so.cache1.1" image with the given soname → path pairs.
std::string make_cache(const std::vector<std::pair<std::string, std::string>>& libs) {
    std::string header = "glibc-ld.so.cache1.1";
    header.resize(48, '\0');
    auto n = static_cast<std::uint32_t>(libs.size());
    std::memcpy(&header[20], &n, 4);
    std::string entries(libs.size() * 24, '\0');
    std::string strings;
    const std::size_t base = header.size() + entries.size();
    for (std::size_t i = 0; i < libs.size(); ++i) {
        std::int32_t flags = 0x0303;
        auto key = static_cast<std::uint32_t>(base + strings.size());
        strings += libs[i].first + '\0';
        auto value = static_cast<std::uint32_t>(base + strings.size());
        strings += libs[i].second + '\0';
        std::memcpy(&entries[i * 24], &flags, 4);
        std::memcpy(&entries[i * 24 + 4], &key, 4);
        std::memcpy(&entries[i * 24 + 8], &value, 4);
    }
    return header + entries + strings;
}

} // namespace

TEST_CASE("ld.so.cache in the new format is parsed", "[elf]") {
    auto entries = parse_ld_cache(make_cache({{"libz.so.1", "/lib/libz.so.1"}, {"libx.so", "/x"}}));
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].soname == "libz.so.1");
    CHECK(entries[0].path == "/lib/libz.so.1");
    CHECK(entries[1].path == "/x");
}

TEST_CASE("malformed ld.so.cache data is an integrity error", "[elf]") {
    auto good = make_cache({{"libz.so.1", "/lib/libz.so.1"}});
    auto expect_kind = [](const std::string& bytes, ErrorKind kind) {
        try {
            parse_ld_cache(bytes);
            FAIL("accepted");
        } catch (const Error& e) {
            CHECK(e.kind() == kind);
        }
    };
    expect_kind(good.substr(0, 30), ErrorKind::Integrity);
    expect_kind("something else entirely", ErrorKind::InvalidInput);
    auto bad_count = good;
    std::uint32_t huge = 100000;
    std::memcpy(&bad_count[20], &huge, 4);
    expect_kind(bad_count, ErrorKind::Integrity);
    auto unterminated = good;
    unterminated.back() = 'x';
    expect_kind(unterminated, ErrorKind::Integrity);
}

TEST_CASE("the host's ld.so.cache parses", "[elf]") {
    if (!fs::exists("/etc/ld.so.cache")) {
        CUDAPKGS_SKIP("no /etc/ld.so.cache here");
    }
    auto entries = load_ld_cache();
    CHECK(std::any_of(entries.begin(), entries.end(),
                      [](const auto& e) { return e.soname == "libc.so.6"; }));
}

TEST_CASE("search paths expand $ORIGIN; driver names are recognised", "[elf]") {
    CHECK(expand_search_path("$ORIGIN/../lib:${ORIGIN}:/abs", "/o") ==
          std::vector<std::string>{"/o/../lib", "/o", "/abs"});
    CHECK(expand_search_path("", "/o").empty());
    CHECK(is_driver_library("libcuda.so.1"));
    CHECK(is_driver_library("libnvidia-ml.so.1"));
    CHECK_FALSE(is_driver_library("libcudart.so.12"));
}

TEST_CASE("check resolves through RUNPATH and reports missing and driver libraries", "[elf]") {
    util::ScopedTempDir tmp;
    test::TinyProject p(tmp.path());
    REQUIRE(p.ok);
    auto system = SystemSearch::load();
    ElfEdits e;
    e.runpath = "$ORIGIN";
    e.add_needed = {"libcuda.so.1", "libdefinitely-missing.so.7"};
    edit_elf(tmp.path() / "main", e);
    auto result = check_elf(load_elf_info(tmp.path() / "main"), system);
    std::map<std::string, NeededResolution> by_name;
    for (const auto& n : result.needed) {
        by_name[n.soname] = n;
    }
    CHECK(by_name["libfoo.so"].status == NeededStatus::Found);
    CHECK(by_name["libfoo.so"].via == "runpath");
    CHECK(by_name["libc.so.6"].status == NeededStatus::Found);
    CHECK(by_name["libdefinitely-missing.so.7"].status == NeededStatus::Missing);
    if (by_name["libcuda.so.1"].status != NeededStatus::Found) {
        CHECK(by_name["libcuda.so.1"].status == NeededStatus::Driver);
    }
    CHECK_FALSE(result.ok());
    auto with_root = check_elf(load_elf_info(tmp.path() / "libfoo.so"), system, tmp.path());
    CHECK(with_root.escaping_paths.empty());
    edit_elf(tmp.path() / "libfoo.so", ElfEdits{"/usr/lib:$ORIGIN", {}, {}, {}});
    with_root = check_elf(load_elf_info(tmp.path() / "libfoo.so"), system, tmp.path());
    CHECK(with_root.escaping_paths == std::vector<std::string>{"/usr/lib"});
}
