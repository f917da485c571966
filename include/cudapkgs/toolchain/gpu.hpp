// SPDX-License-Identifier: Apache-2.0
// Is there a GPU the CUDA driver can use? (dlopen of libcuda.so.1, no link-time dependency)
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace cudapkgs::toolchain {

/// One device the driver reports.
struct GpuDevice {
    int ordinal = 0;
    std::string name;       ///< "NVIDIA H100 80GB HBM3"
    std::string capability; ///< "9.0"
};

/// What the driver says.
struct GpuStatus {
    bool usable = false; ///< driver loaded, cuInit succeeded, at least one device
    int device_count = 0;
    int driver_version = 0;     ///< cuDriverGetVersion: 1000*major + 10*minor (13000)
    std::string driver_library; ///< the libcuda.so.1 that was loaded
    std::vector<GpuDevice> devices;
    std::string reason; ///< why not usable

    /// "13.0" from driver_version, or "" when unknown.
    std::string driver_cuda_version() const;
    nlohmann::json to_json() const;
};

/// Loads libcuda.so.1 (from `driver_lib_dir` first when given, then the loader's search path)
/// and asks cuInit/cuDeviceGetCount/cuDriverGetVersion/cuDeviceGetName. Never throws: a missing
/// driver or a failing call is reported in `reason`.
GpuStatus detect_gpu(const std::filesystem::path& driver_lib_dir = {});

} // namespace cudapkgs::toolchain
