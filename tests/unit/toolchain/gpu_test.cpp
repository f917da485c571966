// SPDX-License-Identifier: Apache-2.0
// detect_gpu against fake libcuda.so.1 libraries compiled here from C (no GPU needed).
#include <cudapkgs/toolchain/gpu.hpp>
#include <cudapkgs/toolchain/process.hpp>
#include <cudapkgs/util/file.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace cudapkgs;
using namespace cudapkgs::toolchain;
namespace fs = std::filesystem;

namespace {

/// Compiles a fake driver into dir/libcuda.so.1: cuInit returns `init_rc`, `count` devices.
bool make_fake_driver(const fs::path& dir, int init_rc, int count) {
    fs::create_directories(dir);
    const std::string source = fmt::format(R"(#include <string.h>
int cuInit(unsigned f) {{ (void)f; return {0}; }}
int cuDriverGetVersion(int* v) {{ *v = 13000; return 0; }}
int cuDeviceGetCount(int* n) {{ *n = {1}; return 0; }}
int cuDeviceGet(int* d, int i) {{ *d = i; return 0; }}
int cuDeviceGetName(char* s, int len, int d) {{
    (void)d; strncpy(s, "Fake GPU", (size_t)len); return 0; }}
int cuDeviceGetAttribute(int* v, int attr, int d) {{
    (void)d; *v = attr == 75 ? 9 : 0; return 0; }}
int cuGetErrorString(int rc, const char** s) {{
    *s = rc == 100 ? "no CUDA-capable device is detected" : "other"; return 0; }}
)",
                                           init_rc, count);
    util::write_file_atomic(dir / "fake.c", source);
    ProcessSpec spec{{"cc", "-shared", "-fPIC", "-o", (dir / "libcuda.so.1").string(),
                      (dir / "fake.c").string()},
                     {"PATH=/usr/bin:/bin"}};
    return run_process(spec).ok();
}

} // namespace

TEST_CASE("detect_gpu reports devices from the driver in driverLibDir", "[toolchain]") {
    util::ScopedTempDir tmp;
    REQUIRE(make_fake_driver(tmp.path() / "ok", 0, 2));
    auto status = detect_gpu(tmp.path() / "ok");
    CHECK(status.usable);
    CHECK(status.device_count == 2);
    CHECK(status.driver_version == 13000);
    CHECK(status.driver_cuda_version() == "13.0");
    CHECK(status.driver_library == (tmp.path() / "ok/libcuda.so.1").string());
    REQUIRE(status.devices.size() == 2);
    CHECK(status.devices[1].name == "Fake GPU");
    CHECK(status.devices[1].capability == "9.0");
    CHECK(status.reason.empty());
    CHECK(status.to_json()["devices"][0]["name"] == "Fake GPU");
}

TEST_CASE("detect_gpu explains a failing cuInit", "[toolchain]") {
    util::ScopedTempDir tmp;
    REQUIRE(make_fake_driver(tmp.path() / "nodev", 100, 0));
    auto status = detect_gpu(tmp.path() / "nodev");
    CHECK_FALSE(status.usable);
    CHECK(status.reason.find("cuInit failed") != std::string::npos);
    CHECK(status.reason.find("no CUDA-capable device") != std::string::npos);
}

TEST_CASE("detect_gpu explains zero devices and a missing driver", "[toolchain]") {
    util::ScopedTempDir tmp;
    REQUIRE(make_fake_driver(tmp.path() / "zero", 0, 0));
    auto zero = detect_gpu(tmp.path() / "zero");
    CHECK_FALSE(zero.usable);
    CHECK(zero.reason.find("no CUDA device") != std::string::npos);

    // An empty directory: the system loader is tried next; this machine may or may not have a
    // driver, but the answer must be consistent.
    auto none = detect_gpu(tmp.path() / "empty");
    CHECK(none.usable == none.reason.empty());
    if (none.driver_library.empty()) {
        CHECK(none.reason.find("cannot load libcuda.so.1") != std::string::npos);
    }
}
