// SPDX-License-Identifier: Apache-2.0
// `cudapkgs gpu-info [--driver-lib-dir DIR]`: what the CUDA driver reports (hidden; for
// debugging testers). Exit 77 with the reason when no GPU is usable.
#include "commands.hpp"
#include "context.hpp"
#include "output.hpp"

#include <cudapkgs/toolchain/gpu.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <memory>

namespace cudapkgs::cli {

namespace {

void print_text(const toolchain::GpuStatus& status) {
    if (!status.driver_library.empty()) {
        print_line(fmt::format("driver library: {}", status.driver_library));
    }
    if (status.driver_version > 0) {
        print_line(fmt::format("driver version: {} (CUDA {})", status.driver_version,
                               status.driver_cuda_version()));
    }
    if (status.driver_library.empty()) {
        return; // no driver: the reason goes to stderr
    }
    print_line(fmt::format("devices:        {}", status.device_count));
    for (const auto& d : status.devices) {
        print_line(fmt::format("  {}: {} (compute capability {})", d.ordinal, d.name,
                               d.capability.empty() ? "?" : d.capability));
    }
}

} // namespace

RunFn setup_gpu_info(CLI::App& cmd, Session& session) {
    const GlobalOptions& global = session.global();
    auto dir = std::make_shared<std::string>();
    cmd.add_option("--driver-lib-dir", *dir,
                   "Directory holding libcuda.so.1, tried first (default: config driverLibDir)");
    return [dir, &global] {
        std::string driver_dir = *dir;
        if (driver_dir.empty()) {
            driver_dir = load_config(global).driver_lib_dir;
        }
        const auto status = toolchain::detect_gpu(driver_dir);
        if (global.json) {
            print_json(status.to_json());
        } else {
            print_text(status);
        }
        if (!status.usable) {
            std::fprintf(stderr, "cudapkgs: no usable GPU: %s\n", status.reason.c_str());
            return 77;
        }
        return 0;
    };
}

} // namespace cudapkgs::cli
