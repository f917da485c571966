// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/toolchain/merged_toolkit.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <catch2/catch.hpp>

using namespace cudapkgs;
using namespace cudapkgs::toolchain;
namespace fs = std::filesystem;

namespace {

void put(const fs::path& file, const std::string& content) {
    fs::create_directories(file.parent_path());
    util::write_file_atomic(file, content);
}

} // namespace

TEST_CASE("make_merged_toolkit joins trees with symlinks, first wins", "[toolchain]") {
    util::ScopedTempDir tmp;
    const auto a = tmp.path() / "store/aaa-cuda_nvcc";
    const auto b = tmp.path() / "store/bbb-cuda_cudart";
    put(a / "bin/nvcc", "nvcc");
    put(a / "include/fatbinary_section.h", "a");
    put(a / "include/shared.h", "from a");
    put(b / "include/cuda_runtime.h", "rt");
    put(b / "include/shared.h", "from b");
    put(b / "lib/libcudart.so.13", "lib");
    fs::create_symlink("libcudart.so.13", b / "lib/libcudart.so");
    fs::create_symlink("/etc/hostname", b / "lib/escaping");
    put(b / "lib/cmake/cccl/cccl-config.cmake", "cfg");
    put(a / "include/crt/a.h", "a");
    put(b / "include/crt/b.h", "b");

    std::vector<std::string> logged;
    const auto view = tmp.path() / "store/ccc-toolkit";
    auto report = make_merged_toolkit({a, b}, view,
                                      [&](std::string_view line) { logged.emplace_back(line); });

    CHECK(util::read_file(view / "bin/nvcc") == "nvcc");
    CHECK(util::read_file(view / "include/cuda_runtime.h") == "rt");
    CHECK(util::read_file(view / "include/shared.h") == "from a");
    CHECK(fs::is_directory(fs::symlink_status(view / "include")));
    CHECK(fs::is_symlink(view / "include/cuda_runtime.h"));
    // Links are relative inside one store, so moving the store keeps them working.
    CHECK(fs::read_symlink(view / "bin/nvcc").is_relative());
    // A link staying inside its root is copied as is; one leaving it points at the root's entry.
    CHECK(fs::read_symlink(view / "lib/libcudart.so") == "libcudart.so.13");
    CHECK(util::read_file(view / "lib/libcudart.so") == "lib");
    CHECK(fs::equivalent(view / "lib/escaping", "/etc/hostname"));
    CHECK(fs::read_symlink(view / "lib64") == "lib");
    // Only b has lib/cmake: one link for the whole directory. Both have include/crt: merged.
    CHECK(fs::is_symlink(view / "lib/cmake"));
    CHECK(util::read_file(view / "lib/cmake/cccl/cccl-config.cmake") == "cfg");
    CHECK_FALSE(fs::is_symlink(view / "include/crt"));
    CHECK(util::read_file(view / "include/crt/b.h") == "b");
    CHECK_FALSE(fs::is_symlink(view / "bin"));

    REQUIRE(report.conflicts.size() == 1);
    CHECK(report.conflicts[0].relative == "include/shared.h");
    CHECK(report.conflicts[0].ignored == b / "include/shared.h");
    REQUIRE(logged.size() == 1);
    CHECK(logged[0].find("include/shared.h") != std::string::npos);

    const auto moved = tmp.path() / "moved";
    fs::rename(tmp.path() / "store", moved);
    CHECK(util::read_file(moved / "ccc-toolkit/bin/nvcc") == "nvcc");
}

TEST_CASE("make_merged_toolkit: a directory against a file is a conflict", "[toolchain]") {
    util::ScopedTempDir tmp;
    put(tmp.path() / "a/lib64", "file");
    put(tmp.path() / "b/lib64/libx.so", "x");
    auto report = make_merged_toolkit({tmp.path() / "a", tmp.path() / "b"}, tmp.path() / "v");
    REQUIRE(report.conflicts.size() == 1);
    CHECK(util::read_file(tmp.path() / "v/lib64") == "file");
}

TEST_CASE("make_merged_toolkit rejects missing roots and non-empty destinations", "[toolchain]") {
    util::ScopedTempDir tmp;
    try {
        make_merged_toolkit({tmp.path() / "missing"}, tmp.path() / "v");
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::InvalidInput);
    }
    put(tmp.path() / "v/old", "x");
    put(tmp.path() / "a/f", "y");
    CHECK_THROWS_AS(make_merged_toolkit({tmp.path() / "a"}, tmp.path() / "v"), Error);
}
