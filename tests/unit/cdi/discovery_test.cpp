// SPDX-License-Identifier: Apache-2.0
#include "cdi/fake_tree.hpp"

#include <cudapkgs/cdi/discovery.hpp>
#include <cudapkgs/util/error.hpp>

#include <catch2/catch.hpp>

#include <algorithm>

using namespace cudapkgs;
using namespace cudapkgs::cdi;
using cudapkgs::cdi::test::FakeTree;

namespace {

DiscoveryOptions fake_options(const FakeTree& tree) {
    return DiscoveryOptions{tree.root(), tree.root(), true};
}

std::vector<std::string> container_paths(const std::vector<DriverFile>& files) {
    std::vector<std::string> paths;
    for (const auto& f : files) {
        paths.push_back(f.container_path);
    }
    return paths;
}

/// Runs discover() and returns the error it throws (fails the test if it does not).
Error discover_error(const DiscoveryOptions& options) {
    try {
        discover(options);
    } catch (const Error& e) {
        return e;
    }
    FAIL("discover() did not throw");
    return Error(ErrorKind::Internal, "unreachable");
}

std::string all_text(const Error& e) {
    std::string text = e.what();
    for (const auto& note : e.notes()) {
        text += "\n" + note;
    }
    return text;
}

} // namespace

TEST_CASE("parse_proc_information reads the driver's fields", "[cdi]") {
    auto info = parse_proc_information("Model: \t\t NVIDIA H100 80GB HBM3\n"
                                       "GPU UUID: \t GPU-6a1b2c3d-aaaa\r\n"
                                       "Bus Location: \t 0000:18:00.0\n"
                                       "Device Minor: \t 3\n"
                                       "garbage line without colon\n");
    CHECK(info.minor == 3u);
    CHECK(info.uuid == "GPU-6a1b2c3d-aaaa");
    CHECK(info.bus_location == "0000:18:00.0");
    CHECK(info.model == "NVIDIA H100 80GB HBM3");
    CHECK_FALSE(parse_proc_information("Device Minor: \t x1\n").minor.has_value());
}

TEST_CASE("driver versions come from library file names", "[cdi]") {
    CHECK(version_from_library_name("libcuda.so.580.95.05") == "580.95.05");
    CHECK(version_from_library_name("libnvidia-ml.so.535.54") == "535.54");
    CHECK_FALSE(version_from_library_name("libcuda.so.1").has_value());
    CHECK_FALSE(version_from_library_name("libcuda.so").has_value());
    CHECK_FALSE(version_from_library_name("libcuda.so.580.x").has_value());
    CHECK_FALSE(version_from_library_name("libcuda.so.580..1").has_value());
}

TEST_CASE("roots join absolute paths inside them", "[cdi]") {
    CHECK(under_root("/fake", "/dev/nvidia0") == "/fake/dev/nvidia0");
    CHECK(under_root("/fake/", "/dev/nvidia0") == "/fake/dev/nvidia0");
    CHECK(under_root("/", "/dev/nvidia0") == "/dev/nvidia0");
    CHECK(is_system_root("/"));
    CHECK(is_system_root("//"));
    CHECK_FALSE(is_system_root("/tmp"));
}

TEST_CASE("discover finds GPUs in PCI order with their own minor numbers", "[cdi]") {
    FakeTree tree;
    tree.populate();
    Discovery found = discover(fake_options(tree));
    CHECK(found.gpu_source == GpuSource::Proc);
    REQUIRE(found.gpus.size() == 2);
    CHECK(found.gpus[0].index == 0);
    CHECK(found.gpus[0].pci_bus_id == "0000:18:00.0");
    CHECK(found.gpus[0].minor == 1);
    CHECK(found.gpus[0].uuid == "GPU-11111111-2222-3333-4444-555555555555");
    CHECK(found.gpus[0].node.path == "/dev/nvidia1");
    CHECK(found.gpus[0].node.host_path == tree.root() / "dev/nvidia1");
    CHECK(found.gpus[1].node.path == "/dev/nvidia0");
    CHECK(found.gpus[1].model == "NVIDIA H100 80GB HBM3");
    CHECK_FALSE(found.dev_root_is_host);

    std::vector<std::string> control;
    for (const auto& node : found.control_nodes) {
        control.push_back(node.path);
    }
    CHECK(control == std::vector<std::string>{"/dev/nvidiactl", "/dev/nvidia-uvm",
                                              "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset"});
}

TEST_CASE("discover finds driver libraries, binaries and the version", "[cdi]") {
    FakeTree tree;
    tree.populate();
    Discovery found = discover(fake_options(tree));
    CHECK(found.driver_version == "580.95.05");
    const std::string lib = "/usr/lib/x86_64-linux-gnu/";
    CHECK(container_paths(found.libraries) ==
          std::vector<std::string>{
              lib + "libcuda.so", lib + "libcuda.so.1", lib + "libcuda.so.580.95.05",
              lib + "libnvidia-ml.so.1", lib + "libnvidia-ml.so.580.95.05",
              lib + "libnvidia-ptxjitcompiler.so.1", lib + "libnvidia-ptxjitcompiler.so.580.95.05",
              "/usr/local/nvidia/lib64/libnvidia-nvvm.so.4",
              "/usr/local/nvidia/lib64/libnvidia-nvvm.so.580.95.05"});
    CHECK(found.libraries.front().host_path == tree.root() / "usr/lib/x86_64-linux-gnu/libcuda.so");
    CHECK(container_paths(found.binaries) ==
          std::vector<std::string>{"/usr/bin/nvidia-smi", "/usr/bin/nvidia-debugdump"});
    CHECK(found.binaries.front().host_path == tree.root() / "usr/local/nvidia/bin/nvidia-smi");
    REQUIRE(found.ipc_sockets.size() == 1);
    CHECK(found.ipc_sockets[0].container_path == "/run/nvidia-persistenced/socket");
    bool warned_stale = std::any_of(found.warnings.begin(), found.warnings.end(), [](auto& w) {
        return w.find("libnvidia-ml.so.535.54.03") != std::string::npos;
    });
    CHECK(warned_stale);
}

TEST_CASE("discover skips GPUs whose device node is missing", "[cdi]") {
    FakeTree tree;
    tree.populate();
    tree.remove("dev/nvidia1");
    Discovery found = discover(fake_options(tree));
    REQUIRE(found.gpus.size() == 1);
    CHECK(found.gpus[0].index == 1);
    CHECK(found.gpus[0].node.path == "/dev/nvidia0");
    CHECK_FALSE(found.warnings.empty());

    tree.remove("dev/nvidia0");
    Error e = discover_error(fake_options(tree));
    CHECK(e.kind() == ErrorKind::InvalidInput);
    CHECK_THAT(all_text(e), Catch::Contains("no NVIDIA GPU device node found") &&
                                Catch::Contains("dev/nvidia1"));
}

TEST_CASE("a directory is not a device node", "[cdi]") {
    FakeTree tree;
    tree.populate();
    tree.remove("dev/nvidiactl");
    std::filesystem::create_directories(tree.root() / "dev/nvidiactl");
    Error e = discover_error(fake_options(tree));
    CHECK_THAT(e.what(), Catch::Contains("no NVIDIA control device") &&
                             Catch::Contains((tree.root() / "dev/nvidiactl").string()));
}

TEST_CASE("without /proc information GPUs come from device nodes, without UUIDs", "[cdi]") {
    FakeTree tree;
    tree.populate();
    tree.remove("proc");
    Discovery found = discover(fake_options(tree));
    CHECK(found.gpu_source == GpuSource::DeviceNodes);
    REQUIRE(found.gpus.size() == 2);
    CHECK(found.gpus[0].minor == 0);
    CHECK(found.gpus[1].minor == 1);
    CHECK(found.gpus[0].uuid.empty());
}

TEST_CASE("no GPU: the error says what was looked for and where", "[cdi]") {
    FakeTree tree;
    tree.file("usr/lib/x86_64-linux-gnu/libcuda.so.580.95.05");
    tree.file("dev/null");
    Error e = discover_error(fake_options(tree));
    CHECK(e.kind() == ErrorKind::InvalidInput);
    CHECK(exit_code(e.kind()) == 3);
    std::string text = all_text(e);
    CHECK_THAT(text, Catch::Contains("no NVIDIA GPU found"));
    CHECK_THAT(text, Catch::Contains("NVML: not used"));
    CHECK_THAT(text, Catch::Contains((tree.root() / "proc/driver/nvidia/gpus").string()));
    CHECK_THAT(text, Catch::Contains((tree.root() / "dev").string() + "/nvidia[0-9]*"));
}

TEST_CASE("no libcuda: the error lists the directories searched", "[cdi]") {
    FakeTree tree;
    tree.populate();
    for (const char* f : {"libcuda.so", "libcuda.so.1", "libcuda.so.580.95.05"}) {
        tree.remove(std::string("usr/lib/x86_64-linux-gnu/") + f);
    }
    tree.remove("usr/local/nvidia/lib64/libcuda.so.580.95.05");
    Error e = discover_error(fake_options(tree));
    std::string text = all_text(e);
    CHECK_THAT(text, Catch::Contains("libcuda.so*"));
    CHECK_THAT(text, Catch::Contains((tree.root() / "usr/local/nvidia/lib64").string()));
    CHECK_THAT(text, Catch::Contains((tree.root() / "usr/lib64").string()));
}
