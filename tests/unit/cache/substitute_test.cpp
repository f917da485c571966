// SPDX-License-Identifier: Apache-2.0
#include "store/store_test_support.hpp"

#include <cudapkgs/cache/archive.hpp>
#include <cudapkgs/cache/push.hpp>
#include <cudapkgs/cache/substitute.hpp>
#include <cudapkgs/store/tree_hash.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>
#include <cudapkgs/util/hash.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

using namespace cudapkgs;
using cache::CacheInfo;
using store::test::build_simple;
using store::test::make_path;
using storepath::StorePath;
namespace fs = std::filesystem;

namespace {

/// Two stores in different directories, a file:// cache and a key pair.
struct Fixture {
    util::ScopedTempDir tmp;
    store::Store a{tmp.path() / "a" / "store"};
    store::Store b{tmp.path() / "elsewhere" / "b"};
    fs::path cache_dir = tmp.path() / "cache";
    cache::SecretKey key = cache::generate_key("test-1");
    StorePath dep = make_path("dep-1.0");
    StorePath top = make_path("top-2.0");

    Fixture() {
        build_simple(a, dep, {}, "dependency");
        build_simple(a, top, {dep, top}, "top"); // a self-reference too
    }

    cache::SubstituterConfig config(bool require_sigs = true) const {
        cache::SubstituterConfig c;
        c.urls = {"file://" + cache_dir.string()};
        c.trusted_keys = {key.to_public()};
        c.require_sigs = require_sigs;
        return c;
    }

    cache::PushResult push(std::vector<cache::SecretKey> keys) {
        auto transport = cache::open_transport("file://" + cache_dir.string());
        return cache::push(a, *transport, {top}, {std::move(keys), {}});
    }

    CacheInfo info_of(const StorePath& p) const {
        return cache::parse_cache_info(util::read_file(cache_dir / cache::info_file_name(p)),
                                       "test");
    }
    void rewrite_info(const StorePath& p, const CacheInfo& info) const {
        fs::path f = cache_dir / cache::info_file_name(p);
        fs::remove(f);
        util::write_file_atomic(f, cache::to_text(info));
    }
};

void flip_byte(const fs::path& file, std::uint64_t offset) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(offset));
    f.put(static_cast<char>(c ^ 0x20));
}

} // namespace

TEST_CASE("archives are deterministic", "[cache]") {
    util::ScopedTempDir tmp;
    store::test::write(tmp.path() / "t" / "lib" / "libz.so.1", "zzz", 0755);
    store::test::write(tmp.path() / "t" / std::string(150, 'n'), "long name");
    fs::create_directories(tmp.path() / "t" / "empty");
    fs::create_symlink("libz.so.1", tmp.path() / "t" / "lib" / "libz.so");
    auto r1 = cache::write_archive(tmp.path() / "t", tmp.path() / "1.tar.zst");
    // Different timestamps and a different creation order must not change the bytes.
    fs::last_write_time(tmp.path() / "t" / "lib" / "libz.so.1",
                        fs::file_time_type::clock::now() - std::chrono::hours(5));
    auto r2 = cache::write_archive(tmp.path() / "t", tmp.path() / "2.tar.zst", {3, 1});
    auto r3 = cache::write_archive(tmp.path() / "t", tmp.path() / "3.tar.zst");
    CHECK(r1.sha256 == r3.sha256);
    CHECK(r1.sha256 == util::sha256_file_hex(tmp.path() / "1.tar.zst"));
    CHECK(r1.size == fs::file_size(tmp.path() / "1.tar.zst"));
    CHECK(r1.content_size == 3 + 9);
    CHECK(r2.content_size == r1.content_size);
}

TEST_CASE("a pushed closure is substituted into a store in another directory", "[cache]") {
    Fixture f;
    auto pushed = f.push({f.key});
    CHECK(pushed.uploaded == std::vector<StorePath>{f.dep, f.top});
    CHECK(f.push({f.key}).skipped.size() == 2); // already there: skipped
    auto r = cache::substitute_closure(f.b, f.top, f.config());
    REQUIRE(r.ok);
    CHECK_FALSE(r.refused);
    auto expected = std::vector<StorePath>{f.dep, f.top};
    std::sort(expected.begin(), expected.end());
    CHECK(r.fetched == expected);
    auto ia = f.a.get_path_info(f.top);
    auto ib = f.b.get_path_info(f.top);
    CHECK(ib.hash == ia.hash);
    CHECK(ib.references == ia.references);
    CHECK(ib.deriver == ia.deriver);
    CHECK(fs::read_symlink(f.b.to_absolute(f.top) / "lib" / "libx.so") == "libx.so.1");
    CHECK((fs::status(f.b.to_absolute(f.top) / "bin" / "tool").permissions() &
           fs::perms::owner_exec) != fs::perms::none);
    CHECK(f.b.verify().ok());
    // Valid already: true without fetching.
    CHECK(cache::substitute(f.b, f.top.to_string(), f.config()));
}

TEST_CASE("a missing path or reference registers nothing", "[cache]") {
    Fixture f;
    CHECK_FALSE(cache::substitute(f.b, f.top.to_string(), f.config()));
    f.push({f.key});
    fs::remove(f.cache_dir / cache::info_file_name(f.dep));
    auto r = cache::substitute_closure(f.b, f.top, f.config());
    CHECK_FALSE(r.ok);
    CHECK(f.b.list().empty());
}

TEST_CASE("unsigned and untrusted entries are refused unless signatures are optional", "[cache]") {
    Fixture f;
    SECTION("unsigned") {
        f.push({});
    }
    SECTION("signed by an untrusted key") {
        f.push({cache::generate_key("test-1")});
    }
    auto r = cache::substitute_closure(f.b, f.top, f.config());
    CHECK_FALSE(r.ok);
    CHECK(r.refused);
    CHECK(f.b.list().empty());
    CHECK(cache::substitute_closure(f.b, f.top, f.config(false)).ok);
}

TEST_CASE("tampered archives and metadata are refused with nothing registered", "[cache]") {
    Fixture f;
    f.push({f.key});
    CacheInfo top = f.info_of(f.top);
    fs::path archive = f.cache_dir / top.archive_path();
    SECTION("a flipped byte in the archive") {
        flip_byte(archive, top.archive_size / 2);
    }
    SECTION("a truncated archive") {
        fs::resize_file(archive, top.archive_size - 100);
    }
    SECTION("an archive with extra bytes") {
        std::ofstream(archive, std::ios::app | std::ios::binary) << "trailing";
    }
    SECTION("a re-signed entry whose content hash lies") {
        // A key the client trusts signs wrong metadata: the unpacked tree must still match.
        top.content_hash = "sha256:" + std::string(64, '0');
        top.signatures.clear();
        cache::sign_info(top, f.key);
        f.rewrite_info(f.top, top);
    }
    SECTION("a flipped byte in the metadata") {
        std::string text = util::read_file(f.cache_dir / cache::info_file_name(f.top));
        auto pos = text.find("Size: ") + 6;
        text[pos] = text[pos] == '1' ? '2' : '1';
        fs::remove(f.cache_dir / cache::info_file_name(f.top));
        util::write_file_atomic(f.cache_dir / cache::info_file_name(f.top), text);
    }
    SECTION("signatures swapped between two paths") {
        CacheInfo dep = f.info_of(f.dep);
        std::swap(top.signatures, dep.signatures);
        f.rewrite_info(f.top, top);
        f.rewrite_info(f.dep, dep);
    }
    auto r = cache::substitute_closure(f.b, f.top, f.config());
    CHECK_FALSE(r.ok);
    CHECK(r.refused);
    CHECK(f.b.list().empty());
    CHECK(f.b.verify().ok());
}

TEST_CASE("a refused substituter falls back to the next one", "[cache]") {
    Fixture f;
    f.push({f.key});
    fs::path good = f.tmp.path() / "good";
    fs::copy(f.cache_dir, good, fs::copy_options::recursive);
    CacheInfo top = f.info_of(f.top);
    flip_byte(f.cache_dir / top.archive_path(), 10);
    auto config = f.config();
    config.urls.push_back(good.string()); // a plain directory works too
    auto r = cache::substitute_closure(f.b, f.top, config);
    CHECK(r.ok);
    CHECK(r.refused);
    CHECK(f.b.verify().ok());
    CHECK(f.b.list().size() == 2);
}

TEST_CASE("push refuses a store path that no longer matches its hash", "[cache]") {
    Fixture f;
    fs::path lib = f.a.to_absolute(f.dep) / "lib" / "libx.so.1";
    fs::permissions(lib, fs::perms::owner_write, fs::perm_options::add);
    std::ofstream(lib, std::ios::app) << "changed";
    CHECK_THROWS_AS(f.push({f.key}), Error);
    CHECK_FALSE(fs::exists(f.cache_dir / cache::info_file_name(f.dep)));
}

TEST_CASE("substituter config merges CLI URLs, config and keys", "[cache]") {
    config::Config c;
    c.substituters = {"file:///b", "file:///a"};
    auto key = cache::generate_key("k");
    c.trusted_public_keys = {key.to_public().to_string()};
    auto s = cache::make_substituter_config(c, {"file:///a"}, std::nullopt);
    CHECK(s.urls == std::vector<std::string>{"file:///a", "file:///b"});
    CHECK(s.require_sigs);
    CHECK(s.trusted_keys.size() == 1);
    c.require_sigs = false;
    CHECK_FALSE(cache::make_substituter_config(c, {}, std::nullopt).require_sigs);
    CHECK(cache::make_substituter_config(c, {}, true).require_sigs);
    c.trusted_public_keys = {"broken"};
    CHECK_THROWS_AS(cache::make_substituter_config(c, {}, std::nullopt), Error);
    cache::SubstituterConfig bad;
    bad.urls = {"ftp://x"};
    util::ScopedTempDir tmp;
    store::Store s2(tmp.path() / "s");
    CHECK_THROWS_AS(cache::substitute(s2, make_path("x-1").to_string(), bad), Error);
}

TEST_CASE("binary cache settings are read from the config file and --option", "[cache]") {
    auto c = config::parse_config(R"({"substituters": ["file:///srv/cache"],
        "trusted-public-keys": ["k:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="],
        "secret-key-files": ["/etc/k.secret"], "require-sigs": false})",
                                  "config.json");
    CHECK(c.substituters == std::vector<std::string>{"file:///srv/cache"});
    CHECK(c.trusted_public_keys.size() == 1);
    CHECK(c.secret_key_files == std::vector<std::string>{"/etc/k.secret"});
    CHECK_FALSE(c.require_sigs);
    config::set_option(c, "trustedPublicKeys", "a:x,b:y");
    CHECK(c.trusted_public_keys == std::vector<std::string>{"a:x", "b:y"});
    config::set_option(c, "requireSigs", "true");
    CHECK(c.require_sigs);
    CHECK(config::Config{}.require_sigs);
}
