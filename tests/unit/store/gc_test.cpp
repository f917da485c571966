// SPDX-License-Identifier: Apache-2.0
#include "store_test_support.hpp"

#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <thread>

using namespace cudapkgs::store;
using cudapkgs::storepath::StorePath;
using test::build_simple;
using test::make_path;
namespace fs = std::filesystem;

namespace {
bool contains(const std::vector<StorePath>& v, const StorePath& p) {
    return std::find(v.begin(), v.end(), p) != v.end();
}

/// Registers the paths one second apart so "oldest first" is well defined.
void set_registration_times(const fs::path& root, const std::vector<StorePath>& paths) {
    std::string sql;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        sql += fmt::format("UPDATE valid_paths SET registration_time = {} WHERE path = '{}';",
                           1000 + i, paths[i].to_string());
    }
    test::sqlite_exec(root / ".cudapkgs" / "db.sqlite", sql);
}
} // namespace

TEST_CASE("gc keeps what roots reach and deletes the rest", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    Store store(tmp.path() / "store");
    auto base = make_path("base");
    auto mid = make_path("mid");
    auto top = make_path("top");
    auto orphan = make_path("orphan");
    auto orphan_user = make_path("orphan-user");
    auto kept = make_path("kept");
    build_simple(store, base);
    build_simple(store, mid, {base});
    build_simple(store, top, {mid});
    build_simple(store, orphan);
    build_simple(store, orphan_user, {orphan});
    build_simple(store, kept);
    store.add_root(tmp.path() / "result", top);
    CHECK(fs::read_symlink(tmp.path() / "result") == store.to_absolute(top));
    CHECK(store.find_roots() == std::vector<StorePath>{top});

    SECTION("dry run deletes nothing") {
        auto r = store.gc({{kept}, std::nullopt, true});
        CHECK(r.deleted.size() == 2);
        CHECK(store.list().size() == 6);
    }
    SECTION("real run") {
        auto r = store.gc({{kept}, std::nullopt, false});
        CHECK(r.live == 4);
        REQUIRE(r.deleted.size() == 2);
        CHECK(contains(r.deleted, orphan));
        CHECK(contains(r.deleted, orphan_user));
        CHECK_FALSE(fs::exists(store.to_absolute(orphan)));
        CHECK_FALSE(store.is_valid(orphan_user));
        for (const auto& p : {base, mid, top, kept}) {
            CHECK(store.is_valid(p));
        }
        CHECK(store.verify().ok());
    }
    SECTION("removing the out-link makes its closure garbage") {
        fs::remove(tmp.path() / "result");
        auto r = store.gc({});
        CHECK(r.dropped_roots.size() == 1);
        CHECK(r.deleted.size() == 6);
        CHECK(store.list().empty());
        CHECK(fs::is_empty(store.root() / ".cudapkgs" / "gcroots"));
    }
    SECTION("an out-link re-pointed outside the store is no root") {
        fs::remove(tmp.path() / "result");
        fs::create_symlink("/etc", tmp.path() / "result");
        CHECK(store.find_roots().empty());
    }
}

TEST_CASE("gc --max-size deletes oldest unreachable paths first", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    fs::path root = tmp.path() / "store";
    auto old1 = make_path("old1");
    auto old2 = make_path("old2");
    auto newer = make_path("newer");
    auto user_of_old1 = make_path("user-of-old1");
    auto rooted = make_path("rooted");
    std::uint64_t each = 0;
    {
        Store store(root);
        each = build_simple(store, old1).size;
        build_simple(store, old2);
        build_simple(store, newer);
        build_simple(store, user_of_old1, {old1});
        build_simple(store, rooted);
    }
    set_registration_times(root, {old1, rooted, old2, newer, user_of_old1});
    Store store(root);
    GcOptions options;
    options.keep = {rooted};
    options.max_size = 3 * each; // 5 paths of equal size: deleting old1 (+ its user) is enough
    auto r = store.gc(options);
    std::sort(r.deleted.begin(), r.deleted.end());
    CHECK(r.deleted ==
          (std::vector<StorePath>{std::min(old1, user_of_old1), std::max(old1, user_of_old1)}));
    CHECK(r.size_after == 3 * each);
    CHECK(store.is_valid(old2));
    CHECK(store.is_valid(newer));
    options.max_size = each;
    r = store.gc(options);
    CHECK(r.deleted == std::vector<StorePath>{old2, newer});
    CHECK(store.is_valid(rooted));
}

TEST_CASE("gc refuses an invalid --keep path", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    Store store(tmp.path() / "store");
    CHECK_THROWS_AS(store.gc({{make_path("nope")}, std::nullopt, false}), cudapkgs::Error);
}

TEST_CASE("gc waits until other store users are gone", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    fs::path root = tmp.path() / "store";
    auto p = make_path("p");
    {
        Store store(root);
        build_simple(store, p);
    }
    auto builder = std::make_unique<Store>(root);
    std::atomic<bool> done{false};
    std::thread gc([&] {
        Store store(root);
        store.gc({});
        done = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK_FALSE(done.load());
    builder.reset();
    gc.join();
    CHECK(done.load());
}

TEST_CASE("add_root refuses to replace a real file", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    Store store(tmp.path() / "store");
    auto p = make_path("p");
    build_simple(store, p);
    test::write(tmp.path() / "result", "mine");
    CHECK_THROWS_AS(store.add_root(tmp.path() / "result", p), cudapkgs::Error);
    CHECK_THROWS_AS(store.add_root(tmp.path() / "other", make_path("invalid")), cudapkgs::Error);
}
