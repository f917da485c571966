// SPDX-License-Identifier: Apache-2.0
// Round trips on real binaries: compile, move libraries, rewrite with our writer, run/dlopen.
#include "elf_test_support.hpp"

#include <cudapkgs/elf/elf_editor.hpp>
#include <cudapkgs/elf/elf_file.hpp>
#include <cudapkgs/util/error.hpp>

#include <catch2/catch.hpp>

#include <dlfcn.h>
#include <sys/stat.h>

using namespace cudapkgs;
using namespace cudapkgs::elf;
namespace fs = std::filesystem;

namespace {

int run_main(const fs::path& exe) {
    return test::run("env -u LD_LIBRARY_PATH " + test::quote(exe) + " >/dev/null 2>&1");
}

ElfEdits runpath(const std::string& r) {
    ElfEdits e;
    e.runpath = r;
    return e;
}

// Moves libfoo.so and libbar.so into <dir>/sub/lib so that nothing finds them by default.
void move_libs(const fs::path& dir) {
    fs::create_directories(dir / "sub/lib");
    fs::rename(dir / "libfoo.so", dir / "sub/lib/libfoo.so");
    fs::rename(dir / "libbar.so", dir / "sub/lib/libbar.so");
}

} // namespace

TEST_CASE("growing RUNPATH: a new segment, and the moved libraries are found", "[elf]") {
    util::ScopedTempDir tmp;
    test::TinyProject p(tmp.path());
    REQUIRE(p.ok);
    // No RUNPATH: the loader does not look beside the program, so main cannot start.
    CHECK(run_main(tmp.path() / "main") != 42);
    move_libs(tmp.path());
    REQUIRE(run_main(tmp.path() / "main") != 42);

    auto r = edit_elf(tmp.path() / "main", runpath("$ORIGIN/sub/lib:/nonexistent/dir"));
    CHECK(r.changed);
    CHECK(r.grew);
    auto lib = edit_elf(tmp.path() / "sub/lib/libfoo.so", runpath("$ORIGIN"));
    CHECK(lib.changed);
    CHECK(run_main(tmp.path() / "main") == 42);
    CHECK(load_elf_info(tmp.path() / "main").runpath == "$ORIGIN/sub/lib:/nonexistent/dir");

    SECTION("a second growth reuses the spare program header slot") {
        auto again = edit_elf(tmp.path() / "main",
                              runpath("$ORIGIN/sub/lib:$ORIGIN/a/much/longer/path/than/before"));
        CHECK(again.grew);
        CHECK_FALSE(again.moved_phdrs);
        CHECK(run_main(tmp.path() / "main") == 42);
    }
    SECTION("a shorter RUNPATH afterwards fits in place") {
        auto shorter = edit_elf(tmp.path() / "main", runpath("$ORIGIN/sub/lib"));
        CHECK(shorter.changed);
        CHECK_FALSE(shorter.grew);
        CHECK(run_main(tmp.path() / "main") == 42);
    }
}

TEST_CASE("a RUNPATH that fits is written in place", "[elf]") {
    util::ScopedTempDir tmp;
    test::TinyProject p(tmp.path(), "-Wl,--enable-new-dtags,-rpath,'$ORIGIN/placeholder/path/x'");
    REQUIRE(p.ok);
    move_libs(tmp.path());
    REQUIRE(edit_elf(tmp.path() / "sub/lib/libfoo.so", runpath("$ORIGIN")).changed);
    auto size = fs::file_size(tmp.path() / "main");
    auto r = edit_elf(tmp.path() / "main", runpath("$ORIGIN/sub/lib"));
    CHECK(r.changed);
    CHECK_FALSE(r.grew);
    CHECK(fs::file_size(tmp.path() / "main") == size);
    CHECK(run_main(tmp.path() / "main") == 42);
    // Equal RUNPATH: nothing to do.
    CHECK_FALSE(edit_elf(tmp.path() / "main", runpath("$ORIGIN/sub/lib")).changed);
}

TEST_CASE("DT_RPATH is converted to DT_RUNPATH", "[elf]") {
    util::ScopedTempDir tmp;
    test::TinyProject p(tmp.path(), "-Wl,--disable-new-dtags,-rpath,/nonexistent/rpath/dir");
    REQUIRE(p.ok);
    REQUIRE(load_elf_info(tmp.path() / "main").rpath == "/nonexistent/rpath/dir");
    move_libs(tmp.path());
    REQUIRE(edit_elf(tmp.path() / "sub/lib/libfoo.so", runpath("$ORIGIN")).changed);
    edit_elf(tmp.path() / "main", runpath("$ORIGIN/sub/lib"));
    auto info = load_elf_info(tmp.path() / "main");
    CHECK_FALSE(info.rpath);
    CHECK(info.runpath == "$ORIGIN/sub/lib");
    CHECK(run_main(tmp.path() / "main") == 42);
}

TEST_CASE("NEEDED entries can be added, replaced and removed", "[elf]") {
    util::ScopedTempDir tmp;
    test::TinyProject p(tmp.path(), "-Wl,--enable-new-dtags,-rpath,'$ORIGIN'");
    REQUIRE(p.ok);
    const auto exe = tmp.path() / "main";
    REQUIRE(edit_elf(tmp.path() / "libfoo.so", runpath("$ORIGIN")).changed);

    ElfEdits add;
    add.add_needed = {"libbar.so", "libm.so.6"};
    CHECK(edit_elf(exe, add).changed);
    auto needed = load_elf_info(exe).needed;
    REQUIRE(needed.size() >= 3);
    CHECK(needed[0] == "libbar.so");
    CHECK(needed[1] == "libm.so.6");
    CHECK(run_main(exe) == 42);
    CHECK_FALSE(edit_elf(exe, add).changed); // already present

    fs::copy_file(tmp.path() / "libfoo.so", tmp.path() / "libfoo-renamed.so");
    fs::remove(tmp.path() / "libfoo.so");
    REQUIRE(run_main(exe) != 42);
    ElfEdits replace;
    replace.replace_needed = {{"libfoo.so", "libfoo-renamed.so"}};
    CHECK(edit_elf(exe, replace).changed);
    CHECK(run_main(exe) == 42);

    ElfEdits remove;
    remove.remove_needed = {"libm.so.6", "libbar.so"};
    CHECK(edit_elf(exe, remove).changed);
    needed = load_elf_info(exe).needed;
    CHECK(std::find(needed.begin(), needed.end(), "libm.so.6") == needed.end());
    CHECK(std::find(needed.begin(), needed.end(), "libbar.so") == needed.end());
    CHECK(run_main(exe) == 42);
}

TEST_CASE("adding more entries than the dynamic section holds moves it", "[elf]") {
    util::ScopedTempDir tmp;
    test::TinyProject p(tmp.path());
    REQUIRE(p.ok);
    move_libs(tmp.path());
    REQUIRE(edit_elf(tmp.path() / "sub/lib/libfoo.so", runpath("$ORIGIN")).changed);
    ElfEdits e = runpath("$ORIGIN/sub/lib");
    e.add_needed = {"libm.so.6", "libdl.so.2", "librt.so.1", "libpthread.so.0", "libbar.so"};
    auto r = edit_elf(tmp.path() / "main", e);
    CHECK(r.grew);
    CHECK(r.moved_dynamic);
    CHECK(run_main(tmp.path() / "main") == 42);
    CHECK(load_elf_info(tmp.path() / "main").needed.size() == 7);
}

TEST_CASE("a patched library still dlopens and finds its dependency", "[elf]") {
    util::ScopedTempDir tmp;
    test::TinyProject p(tmp.path());
    REQUIRE(p.ok);
    fs::create_directories(tmp.path() / "deps/bar/lib");
    fs::rename(tmp.path() / "libbar.so", tmp.path() / "deps/bar/lib/libbar.so");
    auto r = edit_elf(tmp.path() / "libfoo.so", runpath("$ORIGIN/deps/bar/lib:$ORIGIN"));
    CHECK(r.grew);
    void* handle = ::dlopen((tmp.path() / "libfoo.so").c_str(), RTLD_NOW | RTLD_LOCAL);
    INFO((handle ? "" : ::dlerror()));
    REQUIRE(handle != nullptr);
    auto* foo = reinterpret_cast<int (*)()>(::dlsym(handle, "foo"));
    REQUIRE(foo != nullptr);
    CHECK(foo() == 42);
    ::dlclose(handle);
}

TEST_CASE("atomic rewrite keeps permissions and leaves other links to the old file", "[elf]") {
    util::ScopedTempDir tmp;
    test::TinyProject p(tmp.path());
    REQUIRE(p.ok);
    const auto exe = tmp.path() / "main";
    fs::permissions(exe, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
    fs::create_hard_link(exe, tmp.path() / "old-main");
    edit_elf(exe, runpath("$ORIGIN/x"));
    CHECK(fs::status(exe).permissions() ==
          (fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec));
    CHECK_FALSE(load_elf_info(tmp.path() / "old-main").runpath);
    CHECK(load_elf_info(exe).runpath == "$ORIGIN/x");
    for (const auto& entry : fs::directory_iterator(tmp.path())) {
        CHECK(entry.path().filename().string().find(".cudapkgs-") == std::string::npos);
    }
}

TEST_CASE("a symlink is followed: its target is rewritten, the link stays", "[elf]") {
    util::ScopedTempDir tmp;
    test::TinyProject p(tmp.path());
    REQUIRE(p.ok);
    fs::create_symlink("libfoo.so", tmp.path() / "libfoo.so.1");
    edit_elf(tmp.path() / "libfoo.so.1", runpath("$ORIGIN/through/link"));
    CHECK(fs::is_symlink(tmp.path() / "libfoo.so.1"));
    CHECK(load_elf_info(tmp.path() / "libfoo.so").runpath == "$ORIGIN/through/link");
}

TEST_CASE("in-place mode patches the file itself", "[elf]") {
    util::ScopedTempDir tmp;
    test::TinyProject p(tmp.path());
    REQUIRE(p.ok);
    const auto exe = tmp.path() / "main";
    fs::create_hard_link(exe, tmp.path() / "same-inode");
    auto r = edit_elf(exe, runpath("$ORIGIN/in/place/mode"), WriteMode::InPlace);
    CHECK(r.grew);
    CHECK(load_elf_info(tmp.path() / "same-inode").runpath == "$ORIGIN/in/place/mode");
}

TEST_CASE("unsupported requests are errors, not rewrites", "[elf]") {
    util::ScopedTempDir tmp;
    test::write_text(tmp.path() / "script", "#!/bin/sh\n");
    CHECK_THROWS_AS(edit_elf(tmp.path() / "script", runpath("x")), Error);
    test::TinyProject p(tmp.path());
    REQUIRE(p.ok);
    ElfEdits bad;
    bad.add_needed = {std::string("lib\0x", 5)};
    try {
        edit_elf(tmp.path() / "main", bad);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::InvalidInput);
    }
}
