// SPDX-License-Identifier: Apache-2.0
// The installed NVIDIA driver's CUDA version, read from libcuda.so.1 without needing a GPU.
#pragma once

#include <optional>
#include <string>

namespace cudapkgs::toolchain {

/// What the driver probe found.
struct DriverInfo {
    std::optional<std::string> cuda_version; ///< "13.0": the newest CUDA the driver supports
    std::string source;  ///< "override" (CUDAPKGS_OVERRIDE_DRIVER), "libcuda.so.1" or "none"
    std::string message; ///< why nothing was found, when nothing was
};

/// CUDAPKGS_OVERRIDE_DRIVER (e.g. "12.8") when set; else dlopen(libcuda.so.1) and
/// cuDriverGetVersion(), which needs neither cuInit nor a GPU. Never throws.
DriverInfo probe_driver();

/// "12.8" from cuDriverGetVersion's 12080.
std::string format_driver_version(int version);

} // namespace cudapkgs::toolchain
