// SPDX-License-Identifier: Apache-2.0
#include "archive_builder.hpp"

#include <cudapkgs/unpack/unpacker.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>
#include <cudapkgs/util/file_stamp.hpp>
#include <cudapkgs/util/hash.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <fstream>
#include <sys/stat.h>

using namespace cudapkgs::unpack;
using cudapkgs::Error;
using cudapkgs::ErrorKind;
using test::ArchiveBuilder;
using test::Filter;
namespace fs = std::filesystem;

namespace {

constexpr const char* kTop = "libfoo-linux-x86_64-1.2.3-archive";

std::string top(const std::string& rest) {
    return std::string(kTop) + "/" + rest;
}

void nvidia_layout(ArchiveBuilder& b) {
    b.dir(kTop)
        .dir(top("lib"))
        .file(top("lib/libfoo.so.1.2.3"), std::string(300000, 'L'), 0755)
        .symlink(top("lib/libfoo.so.1"), "libfoo.so.1.2.3")
        .symlink(top("lib/libfoo.so"), "libfoo.so.1")
        .dir(top("include"))
        .file(top("include/foo.h"), "#pragma once\n")
        .dir(top("bin"))
        .file(top("bin/footool"), "#!/bin/sh\n", 0755)
        .file(top("LICENSE"), "license text\n");
}

/// `dir/a.tar.xz` holding nvidia_layout().
fs::path nvidia_archive(const fs::path& dir) {
    fs::path archive = dir / "a.tar.xz";
    ArchiveBuilder b(archive);
    nvidia_layout(b);
    b.close();
    return archive;
}

Options opts(const fs::path& root, std::uint64_t bound = 1 << 30) {
    Options o;
    o.roots = {root};
    o.max_unpacked_bytes = bound;
    return o;
}

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

} // namespace

TEST_CASE("an NVIDIA-layout tar.xz made by tar and xz unpacks with its top directory stripped",
          "[unpack]") {
    cudapkgs::util::ScopedTempDir tmp;
    fs::path src = tmp.path() / "src" / kTop;
    fs::create_directories(src / "lib");
    fs::create_directories(src / "bin");
    std::ofstream(src / "lib" / "libfoo.so.1") << std::string(100000, 'x');
    fs::create_symlink("libfoo.so.1", src / "lib" / "libfoo.so");
    std::ofstream(src / "bin" / "tool") << "#!/bin/sh\n";
    ::chmod((src / "bin" / "tool").c_str(), 04755); // setuid in the archive
    fs::path archive = tmp.path() / "foo.tar.xz";
    std::string cmd = fmt::format("tar -C '{}' -cf - {} | xz -1 -T1 > '{}'",
                                  (tmp.path() / "src").string(), kTop, archive.string());
    REQUIRE(std::system(cmd.c_str()) == 0);

    fs::path out = tmp.path() / "out";
    auto result = unpack_file(archive, route_into(out), opts(out));
    CHECK(result.top_directory == kTop);
    CHECK(cudapkgs::util::read_file(out / "lib" / "libfoo.so.1") == std::string(100000, 'x'));
    CHECK(fs::read_symlink(out / "lib" / "libfoo.so") == "libfoo.so.1");
    CHECK(mode_of(out / "bin" / "tool") == 0755); // setuid dropped
    CHECK(result.bytes == 100000 + 10);
    CHECK_FALSE(fs::exists(out / kTop));
}

TEST_CASE("every compression libarchive detects gives the same tree", "[unpack]") {
    auto filter = GENERATE(Filter::Xz, Filter::Gzip, Filter::Zstd, Filter::None);
    const bool threaded_xz = GENERATE(true, false);
    cudapkgs::util::ScopedTempDir tmp;
    fs::path archive = tmp.path() / "a.tar";
    {
        ArchiveBuilder b(archive, filter);
        nvidia_layout(b);
    }
    fs::path out = tmp.path() / "out";
    Options o = opts(out);
    o.threaded_xz = threaded_xz;
    auto result = unpack_file(archive, route_into(out), o);
    CHECK(cudapkgs::util::read_file(out / "lib" / "libfoo.so.1.2.3") == std::string(300000, 'L'));
    CHECK(fs::read_symlink(out / "lib" / "libfoo.so") == "libfoo.so.1");
    CHECK(mode_of(out / "bin" / "footool") == 0755);
    CHECK(mode_of(out / "include" / "foo.h") == 0644);
    CHECK(result.entries == 10);
    CHECK(result.written.size() == 9); // the top directory itself is not written
}

TEST_CASE("the router splits entries into outputs and drops some", "[unpack]") {
    cudapkgs::util::ScopedTempDir tmp;
    const fs::path archive = nvidia_archive(tmp.path());
    fs::path out = tmp.path() / "out";
    fs::path dev = tmp.path() / "dev";
    Options o = opts(out);
    o.roots.push_back(dev);
    std::vector<fs::path> post;
    o.on_written = [&](const WrittenEntry& w) {
        post.push_back(w.destination);
        std::ofstream(w.destination, std::ios::app) << "patched"; // e.g. an ELF rewrite
    };
    auto router = [&](const Entry& e) -> std::optional<fs::path> {
        auto first = e.path.begin()->string();
        if (first == "include") {
            return dev / e.path;
        }
        if (first == "LICENSE") {
            return std::nullopt;
        }
        return out / e.path;
    };
    auto result = unpack_file(archive, router, o);
    CHECK(fs::exists(dev / "include" / "foo.h"));
    CHECK_FALSE(fs::exists(out / "include"));
    CHECK_FALSE(fs::exists(out / "LICENSE"));
    CHECK(post.size() == 3);
    CHECK(cudapkgs::util::read_file(out / "bin" / "footool") == "#!/bin/sh\npatched");
    CHECK(result.written.size() == 8); // LICENSE dropped
}

TEST_CASE("a read callback feeds the unpacker in small chunks", "[unpack]") {
    cudapkgs::util::ScopedTempDir tmp;
    const fs::path archive = nvidia_archive(tmp.path());
    std::string bytes = cudapkgs::util::read_file(archive);
    std::size_t pos = 0;
    const std::size_t chunk = GENERATE(7, 4096, 1 << 20);
    ReadFn read = [&] {
        auto n = std::min(chunk, bytes.size() - pos);
        std::span<const std::byte> s(reinterpret_cast<const std::byte*>(bytes.data() + pos), n);
        pos += n;
        return s;
    };
    fs::path out = tmp.path() / "out";
    unpack_stream("mem.tar.xz", read, route_into(out), opts(out));
    CHECK(cudapkgs::util::read_file(out / "lib" / "libfoo.so.1.2.3") == std::string(300000, 'L'));
}

TEST_CASE("an exception from the read callback comes out unchanged", "[unpack]") {
    cudapkgs::util::ScopedTempDir tmp;
    const fs::path archive = nvidia_archive(tmp.path());
    std::string bytes = cudapkgs::util::read_file(archive);
    REQUIRE(bytes.size() > 400);
    const int when = GENERATE(0, 1, 2); // before any byte, in the headers, near the end
    const std::size_t fail_after = when == 0 ? 0 : when == 1 ? 100 : bytes.size() - 300;
    std::size_t pos = 0;
    ReadFn read = [&]() -> std::span<const std::byte> {
        if (pos >= fail_after) {
            throw Error(ErrorKind::Fetch, "connection reset");
        }
        auto n = std::min<std::size_t>(100, bytes.size() - pos);
        std::span<const std::byte> s(reinterpret_cast<const std::byte*>(bytes.data() + pos), n);
        pos += n;
        return s;
    };
    fs::path out = tmp.path() / "out";
    try {
        unpack_stream("net.tar.xz", read, route_into(out), opts(out));
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Fetch);
        CHECK(std::string(e.what()) == "connection reset");
    }
}

TEST_CASE("truncated and garbage archives are integrity errors", "[unpack]") {
    cudapkgs::util::ScopedTempDir tmp;
    const fs::path archive = nvidia_archive(tmp.path());
    std::string bytes = cudapkgs::util::read_file(archive);
    SECTION("truncated") {
        bytes.resize(bytes.size() / 2);
    }
    SECTION("garbage") {
        bytes = std::string(5000, 'G');
    }
    SECTION("flipped byte") {
        bytes[bytes.size() / 2] ^= 0x55;
    }
    cudapkgs::util::write_file_atomic(archive, bytes);
    fs::path out = tmp.path() / "out";
    try {
        unpack_file(archive, route_into(out), opts(out));
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Integrity);
        CHECK(std::string(e.what()).find(archive.string()) != std::string::npos);
    }
}

TEST_CASE("a router result outside the roots is a bug, not extracted", "[unpack]") {
    cudapkgs::util::ScopedTempDir tmp;
    const fs::path archive = nvidia_archive(tmp.path());
    fs::path out = tmp.path() / "out";
    auto router = [&](const Entry& e) -> std::optional<fs::path> {
        return out / ".." / "elsewhere" / e.path;
    };
    try {
        unpack_file(archive, router, opts(out));
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Internal);
    }
    CHECK_FALSE(fs::exists(tmp.path() / "elsewhere"));
}

TEST_CASE("a multi-block xz (xz -T) decodes on several threads to the same bytes", "[unpack]") {
    cudapkgs::util::ScopedTempDir tmp;
    fs::path src = tmp.path() / "src" / kTop;
    fs::create_directories(src);
    std::string data;
    for (int i = 0; i < 200000; ++i) {
        data += std::to_string(i * 7919 % 100003) + ",";
    }
    std::ofstream(src / "data.csv") << data;
    fs::path archive = tmp.path() / "multi.tar.xz";
    std::string cmd = fmt::format("tar -C '{}' -cf - {} | xz -1 -T2 --block-size=65536 > '{}'",
                                  (tmp.path() / "src").string(), kTop, archive.string());
    REQUIRE(std::system(cmd.c_str()) == 0);
    for (unsigned threads : {1u, 4u}) {
        fs::path out = tmp.path() / ("out" + std::to_string(threads));
        Options o = opts(out);
        o.xz_threads = threads;
        unpack_file(archive, route_into(out), o);
        CHECK(cudapkgs::util::read_file(out / "data.csv") == data);
    }
}

TEST_CASE("hash_files gives each regular file the digest of its bytes and its stamp", "[unpack]") {
    cudapkgs::util::ScopedTempDir tmp;
    const fs::path archive = nvidia_archive(tmp.path());
    fs::path out = tmp.path() / "out";
    Options o = opts(out);
    o.hash_files = true;
    auto result = unpack_file(archive, route_into(out), o);
    int files = 0;
    for (const auto& w : result.written) {
        if (w.type != EntryType::File) {
            CHECK_FALSE(w.digest);
            continue;
        }
        ++files;
        REQUIRE(w.digest);
        CHECK(w.digest->sha256 == cudapkgs::util::sha256_file_hex(w.destination));
        CHECK(cudapkgs::util::stamp_of_path(w.destination) == w.digest->stamp);
    }
    CHECK(files == 4);

    SECTION("without hash_files there are none") {
        fs::path plain = tmp.path() / "plain";
        for (const auto& w : unpack_file(archive, route_into(plain), opts(plain)).written) {
            CHECK_FALSE(w.digest);
        }
    }
}

TEST_CASE("a sparse entry gets no digest but unpacks with its holes", "[unpack]") {
    cudapkgs::util::ScopedTempDir tmp;
    fs::path src = tmp.path() / "src" / kTop;
    fs::create_directories(src);
    std::string cmd = fmt::format("truncate -s 4M '{0}/sparse' && printf end >> '{0}/sparse' && "
                                  "tar -C '{1}' --sparse -cf - {2} | xz -1 > '{3}'",
                                  src.string(), (tmp.path() / "src").string(), kTop,
                                  (tmp.path() / "s.tar.xz").string());
    REQUIRE(std::system(cmd.c_str()) == 0);
    fs::path out = tmp.path() / "out";
    Options o = opts(out);
    o.hash_files = true;
    auto result = unpack_file(tmp.path() / "s.tar.xz", route_into(out), o);
    CHECK(cudapkgs::util::read_file(out / "sparse") == std::string(4 << 20, '\0') + "end");
    for (const auto& w : result.written) {
        CHECK_FALSE(w.digest);
    }
}

TEST_CASE("an archive that changed after its hash was verified is refused", "[unpack]") {
    cudapkgs::util::ScopedTempDir tmp;
    const fs::path archive = nvidia_archive(tmp.path());
    auto verified = cudapkgs::util::stamp_of_path(archive);
    REQUIRE(verified);
    fs::path out = tmp.path() / "out";
    Options o = opts(out);
    o.archive_stamp = verified;
    CHECK_NOTHROW(unpack_file(archive, route_into(out), o));

    SECTION("rewritten in place") {
        std::string bytes = cudapkgs::util::read_file(archive);
        std::ofstream(archive, std::ios::binary | std::ios::trunc) << bytes;
    }
    SECTION("replaced by another file") {
        fs::copy_file(archive, tmp.path() / "copy");
        fs::rename(tmp.path() / "copy", archive);
    }
    SECTION("removed") {
        fs::remove(archive);
    }
    fs::path again = tmp.path() / "again";
    try {
        unpack_file(archive, route_into(again), o);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Integrity);
        CHECK_THAT(e.what(), Catch::Contains("changed or was replaced") ||
                                 Catch::Contains("when its hash was verified"));
    }
}
