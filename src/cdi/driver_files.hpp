// SPDX-License-Identifier: Apache-2.0
// Module-private: the driver's user-space libraries, binaries and IPC sockets.
#pragma once

#include <cudapkgs/cdi/discovery.hpp>

#include <filesystem>

namespace cudapkgs::cdi::detail {

/// Fills `libraries`, `binaries`, `ipc_sockets` and `driver_version` from the directories under
/// `driver_root`; throws Error{InvalidInput} listing the searched directories when no
/// libcuda.so* is found.
void find_driver_files(const std::filesystem::path& driver_root, Discovery& out);

} // namespace cudapkgs::cdi::detail
