// SPDX-License-Identifier: Apache-2.0
#include "store_test_support.hpp"

#include <cudapkgs/store/tree_hash.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <map>
#include <sys/stat.h>

using namespace cudapkgs::store;
using cudapkgs::Error;
using cudapkgs::ErrorKind;
using cudapkgs::storepath::StorePath;
using test::build_simple;
using test::make_path;
namespace fs = std::filesystem;

namespace {
int sqlite_count(const fs::path& db, const char* sql) {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, sql, -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}
} // namespace

TEST_CASE("a store is laid out with its database in WAL mode", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    Store store(tmp.path() / "store");
    for (const char* sub :
         {".cudapkgs/db.sqlite", ".cudapkgs/tmp", ".cudapkgs/locks", ".cudapkgs/gcroots"}) {
        CHECK(fs::exists(store.root() / sub));
    }
    CHECK(sqlite_count(store.root() / ".cudapkgs/db.sqlite", "PRAGMA user_version") == 1);
    sqlite3* h = nullptr;
    sqlite3_open((store.root() / ".cudapkgs/db.sqlite").c_str(), &h);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, nullptr);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "wal");
    sqlite3_finalize(st);
    sqlite3_close(h);
}

TEST_CASE("commit makes a sealed, registered store path", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    Store store(tmp.path() / "store");
    auto dep = make_path("dep-1.0");
    auto pkg = make_path("pkg-2.0-lib");
    build_simple(store, dep);
    auto info = build_simple(store, pkg, {dep, dep});

    CHECK(store.is_valid(pkg));
    auto abs = store.to_absolute(pkg);
    CHECK(fs::is_directory(abs));
    CHECK(info.hash == hash_tree(abs).hash);
    CHECK(info.hash.rfind("sha256:", 0) == 0);
    CHECK(info.size == hash_tree(abs).size);
    CHECK(info.references == std::vector<StorePath>{dep});
    CHECK(info.deriver == "drv-hash");
    struct stat st {};
    ::stat(abs.c_str(), &st);
    CHECK((st.st_mode & 07777) == 0555);
    ::stat((abs / "bin" / "tool").c_str(), &st);
    CHECK((st.st_mode & 07777) == 0555);
    ::stat((abs / "lib" / "libx.so.1").c_str(), &st);
    CHECK((st.st_mode & 07777) == 0444);

    auto again = store.get_path_info(pkg);
    CHECK(again.hash == info.hash);
    CHECK(again.registration_time == info.registration_time);
    CHECK(again.references == info.references);
    auto all = store.list();
    REQUIRE(all.size() == 2);
    CHECK(fs::is_empty(store.root() / ".cudapkgs" / "tmp"));

    // Reopening sees the same state.
    Store reopened(tmp.path() / "store");
    CHECK(reopened.is_valid(pkg));
    CHECK(reopened.get_path_info(pkg).hash == info.hash);
}

TEST_CASE("commit refuses misuse", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    Store store(tmp.path() / "store");
    auto p = make_path("p");
    auto q = make_path("q");
    SECTION("without the lock") {
        auto locks = store.lock_paths({q});
        CHECK_THROWS_AS(store.commit(locks, CommitOutput{store.make_build_dir(), p, {}, {}}),
                        Error);
    }
    SECTION("reference to an invalid path") {
        auto locks = store.lock_paths({p});
        CHECK_THROWS_AS(store.commit(locks, CommitOutput{store.make_build_dir(), p, {q}, {}}),
                        Error);
        CHECK_FALSE(store.is_valid(p));
    }
    SECTION("already valid") {
        build_simple(store, p);
        auto locks = store.lock_paths({p});
        CHECK_THROWS_AS(store.commit(locks, CommitOutput{store.make_build_dir(), p, {}, {}}),
                        Error);
    }
    SECTION("a fifo in the tree") {
        auto locks = store.lock_paths({p});
        auto dir = store.make_build_dir();
        REQUIRE(::mkfifo((dir.path() / "fifo").c_str(), 0644) == 0);
        CHECK_THROWS_AS(store.commit(locks, CommitOutput{std::move(dir), p, {}, {}}), Error);
        CHECK_FALSE(store.is_valid(p));
        CHECK_FALSE(fs::exists(store.to_absolute(p)));
    }
    CHECK(fs::is_empty(store.root() / ".cudapkgs" / "tmp"));
}

TEST_CASE("an uncommitted build directory disappears", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    Store store(tmp.path() / "store");
    fs::path where;
    {
        auto dir = store.make_build_dir();
        where = dir.path();
        test::write(where / "a" / "b", "x");
        CHECK(fs::exists(where));
    }
    CHECK_FALSE(fs::exists(where));
}

TEST_CASE("several outputs commit together with references between them", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    Store store(tmp.path() / "store");
    auto out = make_path("pkg-1.0");
    auto dev = make_path("pkg-1.0-dev");
    auto locks = store.lock_paths({out, dev});
    std::vector<CommitOutput> outputs;
    outputs.push_back({store.make_build_dir(), out, {dev}, "d"});
    outputs.push_back({store.make_build_dir(), dev, {out}, "d"});
    test::write(outputs[0].dir.path() / "lib" / "a.so", "a");
    test::write(outputs[1].dir.path() / "include" / "a.h", "h");
    auto infos = store.commit_outputs(locks, std::move(outputs));
    REQUIRE(infos.size() == 2);
    CHECK(store.get_path_info(out).references == std::vector<StorePath>{dev});
    CHECK(store.get_path_info(dev).references == std::vector<StorePath>{out});
    CHECK(store.verify().ok());
}

TEST_CASE("a failing output commits none of the outputs", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    Store store(tmp.path() / "store");
    auto out = make_path("pkg-1.0");
    auto dev = make_path("pkg-1.0-dev");
    auto locks = store.lock_paths({out, dev});
    std::vector<CommitOutput> outputs;
    outputs.push_back({store.make_build_dir(), out, {}, {}});
    outputs.push_back({store.make_build_dir(), dev, {}, {}});
    REQUIRE(::mkfifo((outputs[1].dir.path() / "bad").c_str(), 0644) == 0);
    CHECK_THROWS_AS(store.commit_outputs(locks, std::move(outputs)), Error);
    CHECK_FALSE(store.is_valid(out));
    CHECK_FALSE(store.is_valid(dev));
    CHECK_FALSE(fs::exists(store.to_absolute(out)));
}

TEST_CASE("verify finds modified, missing and symlinked paths", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    Store store(tmp.path() / "store");
    auto a = make_path("a");
    auto b = make_path("b");
    auto c = make_path("c");
    auto d = make_path("d");
    for (const auto& p : {a, b, c, d}) {
        build_simple(store, p);
    }
    REQUIRE(store.verify().ok());
    CHECK(store.verify().checked == 4);

    auto file = store.to_absolute(a) / "lib" / "libx.so.1";
    ::chmod(file.c_str(), 0644);
    test::write(file, "tampered");
    fs::path outside = tmp.path() / "outside";
    fs::create_directories(outside);
    fs::remove_all(store.to_absolute(b));
    fs::create_directory_symlink(outside, store.to_absolute(b));
    fs::remove_all(store.to_absolute(c));

    auto report = store.verify();
    CHECK_FALSE(report.ok());
    REQUIRE(report.problems.size() == 3);
    std::map<StorePath, VerifyProblem::Kind> kinds;
    for (const auto& p : report.problems) {
        kinds.emplace(p.path, p.kind);
    }
    CHECK(kinds.at(a) == VerifyProblem::Kind::Modified);
    CHECK(kinds.at(b) == VerifyProblem::Kind::Symlink);
    CHECK(kinds.at(c) == VerifyProblem::Kind::Missing);
    CHECK(kinds.count(d) == 0);

    // A path replaced by a symlink is refused, not trusted.
    try {
        (void)store.is_valid(b);
        FAIL("a symlinked store path was accepted");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Integrity);
        CHECK(std::string(e.what()).find("symlink") != std::string::npos);
    }
}

TEST_CASE("unregistered paths and stale build directories are removed on open", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    fs::path root = tmp.path() / "store";
    auto stray = make_path("stray");
    {
        Store store(root);
        test::write(store.to_absolute(stray) / "f", "x");
        test::write(root / ".cudapkgs" / "tmp" / "abandoned" / "f", "x");
        test::write(root / "README", "not a store path: left alone");
    }
    Store store(root);
    CHECK_FALSE(fs::exists(store.to_absolute(stray)));
    CHECK(fs::is_empty(root / ".cudapkgs" / "tmp"));
    CHECK(fs::exists(root / "README"));
}

TEST_CASE("a live build directory survives another store's cleanup", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    Store store(tmp.path() / "store");
    auto dir = store.make_build_dir();
    test::write(dir.path() / "f", "x");
    Store other(tmp.path() / "store"); // same process, separate lock descriptions
    CHECK(fs::exists(dir.path() / "f"));
}

TEST_CASE("store paths are parsed from arguments and out-links", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    Store store(tmp.path() / "store");
    auto p = make_path("p");
    build_simple(store, p);
    CHECK(store.parse_path_argument(p.to_string()) == p);
    CHECK(store.parse_path_argument(store.to_absolute(p).string()) == p);
    CHECK(store.parse_path_argument((store.to_absolute(p) / "lib" / "libx.so").string()) == p);
    store.add_root(tmp.path() / "result", p);
    CHECK(store.parse_path_argument((tmp.path() / "result").string()) == p);
    CHECK_THROWS_AS(store.parse_path_argument("/etc/passwd"), Error);
    CHECK_THROWS_AS(store.parse_path_argument("not-a-store-path"), Error);
}
