// SPDX-License-Identifier: Apache-2.0
#include "store_test_support.hpp"

#include <cudapkgs/store/tree_hash.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace cudapkgs::store;
using cudapkgs::store::test::write;
namespace fs = std::filesystem;

namespace {
fs::path make_tree(const fs::path& root) {
    write(root / "b" / "file", "hello");
    write(root / "a.txt", "x", 0755);
    fs::create_symlink("b/file", root / "link");
    fs::create_directories(root / "empty");
    return root;
}

/// make_tree()'s serialisation, hand-built from docs/store.md (children in byte order,
/// NUL-terminated fields), with `more` records of entries sorting between "empty" and "link".
std::string make_tree_serialisation(const std::string& more = {}) {
    using namespace std::string_literals;
    return "cudapkgs-tree-v1\0"s + "d\0.\0"s + "f\0a.txt\0x\0"s + "1\0"s +
           cudapkgs::util::sha256_hex("x") + "\0"s + "d\0b\0"s + "f\0b/file\0-\0"s + "5\0"s +
           cudapkgs::util::sha256_hex("hello") + "\0"s + "d\0empty\0"s + more +
           "l\0link\0b/file\0"s;
}
} // namespace

TEST_CASE("tree hash matches the documented serialisation", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    auto root = make_tree(tmp.path() / "t");
    auto h = hash_tree(root);
    CHECK(h.hash == "sha256:" + cudapkgs::util::sha256_hex(make_tree_serialisation()));
    CHECK(h.size == 6);
    CHECK(h.entries == 6);
}

TEST_CASE("tree hash sees contents, exec bit, symlink targets and names", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    auto root = make_tree(tmp.path() / "t");
    auto base = hash_tree(root).hash;
    SECTION("contents") {
        write(root / "b" / "file", "hellO");
    }
    SECTION("exec bit") {
        ::chmod((root / "a.txt").c_str(), 0644);
    }
    SECTION("symlink target") {
        fs::remove(root / "link");
        fs::create_symlink("b/filE", root / "link");
    }
    SECTION("rename") {
        fs::rename(root / "empty", root / "empty2");
    }
    SECTION("new empty dir") {
        fs::create_directories(root / "b" / "sub");
    }
    CHECK(hash_tree(root).hash != base);
}

TEST_CASE("tree hash ignores write bits and timestamps", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    auto root = make_tree(tmp.path() / "t");
    auto base = hash_tree(root).hash;
    ::chmod((root / "b" / "file").c_str(), 0444);
    fs::last_write_time(root / "a.txt", fs::file_time_type::clock::now() - std::chrono::hours(5));
    CHECK(hash_tree(root).hash == base);
}

TEST_CASE("sealing makes the tree read-only and keeps the hash", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    auto root = make_tree(tmp.path() / "t");
    auto base = hash_tree(root).hash;
    CHECK(seal_and_hash_tree(root).hash == base);
    struct stat st {};
    ::stat((root / "a.txt").c_str(), &st);
    CHECK((st.st_mode & 07777) == 0555);
    ::stat((root / "b" / "file").c_str(), &st);
    CHECK((st.st_mode & 07777) == 0444);
    ::stat((root / "b").c_str(), &st);
    CHECK((st.st_mode & 07777) == 0555);
    ::chmod(root.c_str(), 0755);
    ::chmod((root / "b").c_str(), 0755);
    ::chmod((root / "empty").c_str(), 0755);
}

TEST_CASE("tree hash refuses symlink roots and special files", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    fs::create_directories(tmp.path() / "t");
    fs::create_directory_symlink(tmp.path() / "t", tmp.path() / "l");
    CHECK_THROWS_AS(hash_tree(tmp.path() / "l"), cudapkgs::Error);
    REQUIRE(::mkfifo((tmp.path() / "t" / "fifo").c_str(), 0644) == 0);
    CHECK_THROWS_AS(hash_tree(tmp.path() / "t"), cudapkgs::Error);
}

TEST_CASE("sealing reuses digests recorded for files whose stamp is unchanged", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    auto root = make_tree(tmp.path() / "t");
    const auto base = hash_tree(root).hash;
    auto digest = [&](const std::string& rel, const std::string& sha) {
        auto stamp = cudapkgs::util::stamp_of_path(root / rel);
        REQUIRE(stamp);
        return cudapkgs::util::FileDigest{sha, *stamp};
    };
    KnownDigests known;
    SECTION("a true digest is used instead of reading the file") {
        known["b/file"] = digest("b/file", cudapkgs::util::sha256_hex("hello"));
        auto sealed = seal_and_hash_tree(root, &known);
        CHECK(sealed.reused == 1);
        CHECK(sealed.hash == base);
    }
    SECTION("a digest whose file changed since is ignored") {
        known["b/file"] = digest("b/file", cudapkgs::util::sha256_hex("hello"));
        // Another size (a same-size rewrite within one kernel clock tick could keep the
        // times, which is why writers forget digests of files they change themselves).
        write(root / "b" / "file", "HELLO!");
        auto sealed = seal_and_hash_tree(root, &known);
        CHECK(sealed.reused == 0);
        CHECK(sealed.hash == hash_tree(root).hash);
        CHECK(sealed.hash != base);
    }
    SECTION("the digest is trusted only as far as the stamp: a wrong one shows in verify") {
        // Documents the contract: callers forget digests of files they change themselves.
        known["b/file"] = digest("b/file", cudapkgs::util::sha256_hex("other"));
        auto sealed = seal_and_hash_tree(root, &known);
        CHECK(sealed.reused == 1);
        CHECK(sealed.hash != hash_tree(root).hash);
    }
    for (const auto& d : {root, root / "b", root / "empty"}) {
        ::chmod(d.c_str(), 0755);
    }
}

TEST_CASE("large trees are hashed on several threads to the same content hash", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    auto root = make_tree(tmp.path() / "t");
    // Above the sharing threshold (16 MiB in all, at least two files to hash).
    std::string big(12 << 20, 'a');
    for (std::size_t i = 0; i < big.size(); i += 4096) {
        big[i] = static_cast<char>('a' + i / 4096 % 26);
    }
    write(root / "lib" / "big1.so", big);
    big[77] = 'Z';
    write(root / "lib" / "big2.so", big, 0755);
    fs::create_symlink("big1.so", root / "lib" / "big.so");

    using namespace std::string_literals;
    std::string first = big;
    first[77] = 'a'; // big1 has the original byte
    const std::string size = std::to_string(big.size());
    const std::string expected = make_tree_serialisation(
        "d\0lib\0"s + "l\0lib/big.so\0big1.so\0"s + "f\0lib/big1.so\0-\0"s + size + "\0"s +
        cudapkgs::util::sha256_hex(first) + "\0"s + "f\0lib/big2.so\0x\0"s + size + "\0"s +
        cudapkgs::util::sha256_hex(big) + "\0"s);
    const auto hashed = hash_tree(root);
    CHECK(hashed.hash == "sha256:" + cudapkgs::util::sha256_hex(expected));
    if (std::thread::hardware_concurrency() > 1) {
        CHECK(hashed.reused >= 2); // read by the helper threads, not by the serialising pass
    }
    CHECK(seal_and_hash_tree(root).hash == hashed.hash);
    for (const auto& d : {root, root / "b", root / "empty", root / "lib"}) {
        ::chmod(d.c_str(), 0755);
    }
}
