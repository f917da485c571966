// SPDX-License-Identifier: Apache-2.0
// A fake host for the cdi tests: device nodes as regular files, /proc/driver/nvidia
// information files, driver libraries (with soname links) and binaries in a temp dir.
#pragma once

#include <cudapkgs/util/file.hpp>

#include <filesystem>
#include <fstream>
#include <string>

namespace cudapkgs::cdi::test {

class FakeTree {
  public:
    FakeTree() : m_dir({}, "cudapkgs-cdi-test-") {}

    const std::filesystem::path& root() const { return m_dir.path(); }

    /// Writes `rel` (relative to the root) with `content`, creating parent directories.
    void file(const std::string& rel, const std::string& content = "x\n") const {
        auto path = root() / rel;
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path) << content;
    }
    /// Makes `rel` a symbolic link to `target` (relative targets resolve inside the tree).
    void link(const std::string& rel, const std::string& target) const {
        auto path = root() / rel;
        std::filesystem::create_directories(path.parent_path());
        std::filesystem::create_symlink(target, path);
    }
    void remove(const std::string& rel) const { std::filesystem::remove_all(root() / rel); }

    /// A /proc/driver/nvidia/gpus/<bus>/information file in the driver's format.
    void gpu(const std::string& bus, unsigned minor, const std::string& uuid) const {
        file("proc/driver/nvidia/gpus/" + bus + "/information",
             "Model: \t\t NVIDIA H100 80GB HBM3\nIRQ:   \t\t 42\nGPU UUID: \t " + uuid +
                 "\nVideo BIOS: \t 96.00.99.00.01\nBus Type: \t PCIe\nDMA Size: \t 52 bits\n"
                 "Bus Location: \t " +
                 bus + "\nDevice Minor: \t " + std::to_string(minor) + "\nGPU Excluded:\t No\n");
    }

    /// The standard tree: two GPUs whose minor numbers run against PCI order, all control
    /// nodes, driver 580.95.05 libraries in two directories, a stale 535 library, tools.
    void populate() const {
        for (const char* node : {"nvidia0", "nvidia1", "nvidiactl", "nvidia-uvm",
                                 "nvidia-uvm-tools", "nvidia-modeset"}) {
            file(std::string("dev/") + node, "");
        }
        gpu("0000:18:00.0", 1, "GPU-11111111-2222-3333-4444-555555555555");
        gpu("0000:9a:00.0", 0, "GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
        const std::string lib = "usr/lib/x86_64-linux-gnu/";
        for (const char* base : {"libcuda", "libnvidia-ml", "libnvidia-ptxjitcompiler"}) {
            file(lib + base + ".so.580.95.05");
            link(lib + base + ".so.1", std::string(base) + ".so.580.95.05");
        }
        link(lib + "libcuda.so", "libcuda.so.1");
        file(lib + "libnvidia-ml.so.535.54.03"); // left over from an older driver
        file(lib + "libcudart.so.12");           // not a driver library
        link("lib", "usr/lib");                  // merged /usr: /lib/x86_64-linux-gnu again
        const std::string nv = "usr/local/nvidia/lib64/";
        file(nv + "libnvidia-nvvm.so.580.95.05");
        link(nv + "libnvidia-nvvm.so.4", "libnvidia-nvvm.so.580.95.05");
        file(nv + "libcuda.so.580.95.05"); // shadowed by the copy found first
        file("usr/local/nvidia/bin/nvidia-smi");
        file("usr/bin/nvidia-debugdump");
        file("run/nvidia-persistenced/socket", "");
    }

  private:
    util::ScopedTempDir m_dir;
};

} // namespace cudapkgs::cdi::test
