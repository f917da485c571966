// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/elf/resolve.hpp>
#include <cudapkgs/util/error.hpp>

#include <catch2/catch.hpp>

#include <set>

using namespace cudapkgs;
using namespace cudapkgs::elf;
namespace fs = std::filesystem;

namespace {

class FakeLookup final : public LibraryLookup {
  public:
    std::set<std::string> files;  ///< "dir/soname"
    std::set<std::string> system; ///< sonames the host provides
    bool has_library(const fs::path& dir, const std::string& soname) const override {
        return files.count((dir / soname).lexically_normal().string()) > 0;
    }
    bool system_has(const std::string& soname) const override { return system.count(soname) > 0; }
};

const fs::path kStore = "/store";
const fs::path kOut = kStore / "aaaa-cudnn-9.8-lib";
const fs::path kCublas = kStore / "bbbb-libcublas-12.8-lib/lib";
const fs::path kCudart = kStore / "cccc-cuda_cudart-12.8-lib/lib";
const fs::path kNvrtc = kStore / "dddd-cuda_nvrtc-12.8-lib/lib";

ResolveInput base_input() {
    ResolveInput in;
    in.own_lib_dirs = {kOut / "lib"};
    in.dependency_lib_dirs = {kNvrtc, kCublas, kCudart};
    return in;
}

} // namespace

TEST_CASE("RUNPATH lists own dirs, then used dependency dirs, then $ORIGIN", "[elf]") {
    FakeLookup fs;
    fs.files = {(kOut / "lib/libcudnn_graph.so.9").string(),
                (kCublas / "libcublasLt.so.12").string(), (kCudart / "libcudart.so.12").string()};
    fs.system = {"libc.so.6", "libm.so.6"};
    auto in = base_input();
    in.files = {{kOut / "lib/libcudnn.so.9",
                 {"libcudart.so.12", "libcudnn_graph.so.9", "libcublasLt.so.12", "libc.so.6",
                  "libcuda.so.1"}}};
    auto out = resolve_runpaths(in, fs);
    REQUIRE(out.size() == 1);
    // Own lib dir == the file's directory: covered by $ORIGIN. nvrtc is unused: left out.
    CHECK(out[0].runpath ==
          "$ORIGIN/../../bbbb-libcublas-12.8-lib/lib:$ORIGIN/../../cccc-cuda_cudart-12.8-lib/lib:"
          "$ORIGIN");
    std::map<std::string, std::string> sources;
    for (const auto& s : out[0].sources) {
        sources[s.soname] = s.source;
    }
    CHECK(sources["libc.so.6"] == "system");
    CHECK(sources["libcuda.so.1"] == "driver");
    CHECK(sources["libcublasLt.so.12"] == kCublas.string());
}

TEST_CASE("binaries in other directories get relative paths to own lib dirs", "[elf]") {
    FakeLookup fs;
    fs.files = {(kOut / "lib/libfoo.so").string()};
    auto in = base_input();
    in.files = {{kOut / "bin/tool", {"libfoo.so"}}};
    auto out = resolve_runpaths(in, fs);
    CHECK(out[0].runpath == "$ORIGIN/../lib:$ORIGIN");
}

TEST_CASE("libraries beside the file resolve through $ORIGIN", "[elf]") {
    FakeLookup fs;
    fs.files = {(kOut / "lib/stubs/libsibling.so").string()};
    auto in = base_input();
    in.files = {{kOut / "lib/stubs/libx.so", {"libsibling.so"}}};
    CHECK(resolve_runpaths(in, fs)[0].runpath == "$ORIGIN");
}

TEST_CASE("unresolved sonames fail the build with every file and soname", "[elf]") {
    FakeLookup fs;
    auto in = base_input();
    in.files = {{kOut / "lib/liba.so", {"libmissing1.so"}},
                {kOut / "lib/libb.so", {"libmissing2.so", "libignored.so.3"}}};
    in.ignore_missing = {"libignored.so*"};
    try {
        resolve_runpaths(in, fs);
        FAIL("expected BuildFailed");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BuildFailed);
        REQUIRE(e.notes().size() == 2);
        CHECK(e.notes()[0] == "/store/aaaa-cudnn-9.8-lib/lib/liba.so → libmissing1.so");
        CHECK(e.notes()[1] == "/store/aaaa-cudnn-9.8-lib/lib/libb.so → libmissing2.so");
    }
    in.ignore_missing.push_back("libmissing*");
    CHECK_NOTHROW(resolve_runpaths(in, fs));
}

TEST_CASE("a driver library directory joins the RUNPATH only when it has the library", "[elf]") {
    FakeLookup fs;
    fs.files = {"/usr/lib/nvidia/libcuda.so.1"};
    auto in = base_input();
    in.files = {{kOut / "lib/liba.so", {"libcuda.so.1", "libnvidia-ml.so.1"}}};
    in.driver_lib_dir = "/usr/lib/nvidia";
    CHECK(resolve_runpaths(in, fs)[0].runpath == "/usr/lib/nvidia:$ORIGIN");
    in.files = {{kOut / "lib/liba.so", {"libnvidia-ml.so.1"}}};
    CHECK(resolve_runpaths(in, fs)[0].runpath == "$ORIGIN");
}

TEST_CASE("origin_relative", "[elf]") {
    CHECK(origin_relative("/s/a/lib/x.so", "/s/a/lib") == "$ORIGIN");
    CHECK(origin_relative("/s/a/lib/x.so", "/s/b/lib/") == "$ORIGIN/../../b/lib");
    CHECK(origin_relative("/s/a/bin/x", "/s/a/lib") == "$ORIGIN/../lib");
}
