// SPDX-License-Identifier: Apache-2.0
// Module-private: GPUs as NVML reports them, through libnvidia-ml.so.1 loaded with dlopen.
#pragma once

#include <cudapkgs/cdi/discovery.hpp>

#include <string>
#include <variant>
#include <vector>

namespace cudapkgs::cdi::detail {

/// The GPUs NVML reports (index, UUID, minor, PCI bus id, name; `node` left empty), or a
/// sentence saying why NVML could not be used (library missing, init failed, …).
std::variant<std::vector<Gpu>, std::string> query_nvml();

} // namespace cudapkgs::cdi::detail
