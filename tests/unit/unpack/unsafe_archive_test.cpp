// SPDX-License-Identifier: Apache-2.0
// Hostile archives: each must fail with Error{Integrity} naming the archive and the entry,
// and write nothing outside the destination.
#include "archive_builder.hpp"

#include <cudapkgs/unpack/unpacker.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <catch2/catch.hpp>

#include <functional>
#include <sys/stat.h>

using namespace cudapkgs::unpack;
using cudapkgs::Error;
using cudapkgs::ErrorKind;
using test::ArchiveBuilder;
namespace fs = std::filesystem;

namespace {

const std::string kTop = "evil-linux-x86_64-1.0-archive/";

struct Case {
    const char* what;
    std::string entry; ///< the entry the error must name
    std::function<void(ArchiveBuilder&)> build;
};

std::vector<Case> cases() {
    return {
        {"dot-dot entry", kTop + "../../escape",
         [](ArchiveBuilder& b) { b.dir(kTop).file(kTop + "../../escape", "x"); }},
        {"absolute path", "/tmp/cudapkgs-absolute-escape",
         [](ArchiveBuilder& b) { b.file("/tmp/cudapkgs-absolute-escape", "x"); }},
        {"symlink escaping", kTop + "lib/evil",
         [](ArchiveBuilder& b) {
             b.dir(kTop).dir(kTop + "lib").symlink(kTop + "lib/evil", "../../../outside");
         }},
        {"absolute symlink", kTop + "passwd",
         [](ArchiveBuilder& b) { b.dir(kTop).symlink(kTop + "passwd", "/etc/passwd"); }},
        {"dot-dot after a name", kTop + "l",
         [](ArchiveBuilder& b) {
             b.dir(kTop).symlink(kTop + "s", ".").symlink(kTop + "l", "s/../x");
         }},
        {"hard link to /etc/passwd", kTop + "pw",
         [](ArchiveBuilder& b) { b.dir(kTop).hardlink(kTop + "pw", "/etc/passwd"); }},
        {"hard link with dot-dot", kTop + "pw",
         [](ArchiveBuilder& b) { b.dir(kTop).hardlink(kTop + "pw", kTop + "../../etc/passwd"); }},
        {"hard link to an unknown file", kTop + "pw",
         [](ArchiveBuilder& b) { b.dir(kTop).hardlink(kTop + "pw", kTop + "not-extracted"); }},
        {"character device", kTop + "null",
         [](ArchiveBuilder& b) { b.dir(kTop).special(kTop + "null", AE_IFCHR); }},
        {"fifo", kTop + "fifo",
         [](ArchiveBuilder& b) { b.dir(kTop).special(kTop + "fifo", AE_IFIFO); }},
        {"write through an archive symlink", kTop + "l/x",
         [](ArchiveBuilder& b) {
             b.dir(kTop).dir(kTop + "d").symlink(kTop + "l", "d").file(kTop + "l/x", "x");
         }},
        {"name component too long", kTop + std::string(300, 'n'),
         [](ArchiveBuilder& b) { b.dir(kTop).file(kTop + std::string(300, 'n'), "x"); }},
        {"two top directories", "other/file",
         [](ArchiveBuilder& b) { b.dir(kTop).file(kTop + "a", "a").file("other/file", "x"); }},
        {"declared bomb", kTop + "big",
         [](ArchiveBuilder& b) {
             b.dir(kTop)
                 .file(kTop + "small", std::string(600, 's'))
                 .file(kTop + "big", std::string(600, 'b'));
         }},
    };
}

} // namespace

TEST_CASE("unsafe archives are refused with the entry named", "[unpack]") {
    for (const auto& c : cases()) {
        DYNAMIC_SECTION(c.what) {
            cudapkgs::util::ScopedTempDir tmp;
            fs::path archive = tmp.path() / "evil.tar.xz";
            {
                ArchiveBuilder b(archive);
                c.build(b);
            }
            fs::path out = tmp.path() / "a" / "b" / "out";
            Options o;
            o.roots = {out};
            o.max_unpacked_bytes = 1000;
            try {
                unpack_file(archive, route_into(out), o);
                FAIL("accepted");
            } catch (const Error& e) {
                INFO(e.what());
                CHECK(e.kind() == ErrorKind::Integrity);
                CHECK(std::string(e.what()).find(archive.string()) != std::string::npos);
                CHECK(std::string(e.what()).find("'" + c.entry + "'") != std::string::npos);
            }
            CHECK_FALSE(fs::exists(tmp.path() / "escape"));
            CHECK_FALSE(fs::exists(tmp.path() / "a" / "escape"));
            CHECK_FALSE(fs::exists("/tmp/cudapkgs-absolute-escape"));
            CHECK_FALSE(fs::exists(out / "pw"));
        }
    }
}

TEST_CASE("the byte bound also holds for data beyond the declared sizes", "[unpack]") {
    cudapkgs::util::ScopedTempDir tmp;
    fs::path archive = tmp.path() / "bomb.tar.xz";
    {
        ArchiveBuilder b(archive);
        b.dir(kTop);
        for (int i = 0; i < 50; ++i) { // 50 MB of zeros compress to almost nothing
            b.file(kTop + "zero" + std::to_string(i), std::string(1 << 20, '\0'));
        }
    }
    CHECK(fs::file_size(archive) < 100000);
    fs::path out = tmp.path() / "out";
    Options o;
    o.roots = {out};
    o.max_unpacked_bytes = 10 << 20;
    CHECK_THROWS_MATCHES(unpack_file(archive, route_into(out), o), Error,
                         Catch::Matchers::Predicate<Error>([](const Error& e) {
                             return e.kind() == ErrorKind::Integrity &&
                                    std::string(e.what()).find("more than 10485760 bytes") !=
                                        std::string::npos;
                         }));
}

TEST_CASE("setuid, setgid and sticky bits are dropped", "[unpack]") {
    cudapkgs::util::ScopedTempDir tmp;
    fs::path archive = tmp.path() / "suid.tar.xz";
    {
        ArchiveBuilder b(archive);
        b.dir(kTop).file(kTop + "su", "x", 06755).dir(kTop + "sticky", 01777);
    }
    fs::path out = tmp.path() / "out";
    Options o;
    o.roots = {out};
    auto result = unpack_file(archive, route_into(out), o);
    struct stat st {};
    ::stat((out / "su").c_str(), &st);
    CHECK((st.st_mode & 07777) == 0755);
    ::stat((out / "sticky").c_str(), &st);
    CHECK((st.st_mode & 07000) == 0);
    CHECK(result.written.at(0).mode == 0755);
}

TEST_CASE("safe links inside the archive are kept", "[unpack]") {
    cudapkgs::util::ScopedTempDir tmp;
    fs::path archive = tmp.path() / "links.tar.xz";
    {
        ArchiveBuilder b(archive);
        b.dir(kTop)
            .dir(kTop + "lib")
            .dir(kTop + "lib/stubs")
            .file(kTop + "lib/libreal.so.1", "real")
            .symlink(kTop + "lib/stubs/up", "../libreal.so.1")
            .symlink(kTop + "lib/here", "./libreal.so.1")
            .hardlink(kTop + "lib/hard", kTop + "lib/libreal.so.1")
            .file(kTop + "lib/dup", "first")
            .file(kTop + "lib/dup", "second");
    }
    fs::path out = tmp.path() / "out";
    Options o;
    o.roots = {out};
    unpack_file(archive, route_into(out), o);
    CHECK(cudapkgs::util::read_file(out / "lib" / "stubs" / "up") == "real");
    CHECK(cudapkgs::util::read_file(out / "lib" / "here") == "real");
    CHECK(cudapkgs::util::read_file(out / "lib" / "hard") == "real");
    CHECK(cudapkgs::util::read_file(out / "lib" / "dup") == "second");
}

TEST_CASE("a symlink that stays in the archive but leaves its output is refused", "[unpack]") {
    cudapkgs::util::ScopedTempDir tmp;
    fs::path archive = tmp.path() / "split.tar.xz";
    {
        ArchiveBuilder b(archive);
        b.dir(kTop).dir(kTop + "lib").symlink(kTop + "lib/up", "../include");
    }
    fs::path out = tmp.path() / "out";
    Options o;
    o.roots = {out};
    // The router flattens lib/ into the root, so "../include" would leave `out`.
    auto router = [&](const Entry& e) -> std::optional<fs::path> {
        return out / e.path.filename();
    };
    CHECK_THROWS_AS(unpack_file(archive, router, o), Error);
    CHECK_FALSE(fs::is_symlink(out / "up"));
}
