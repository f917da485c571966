// SPDX-License-Identifier: Apache-2.0
// Finding NVIDIA GPUs, their device nodes and the driver's user-space files on a host (or
// under a fake root built by a test), as input for a CDI specification.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::cdi {

/// A device node: `path` as the container sees it (`/dev/nvidia0`), `host_path` on the host.
struct DeviceNode {
    std::string path;
    std::filesystem::path host_path;
};

/// A driver file to bind-mount read-only into containers.
struct DriverFile {
    std::filesystem::path host_path; ///< where it is on the host (under the driver root)
    std::string container_path;      ///< where it appears in the container
};

/// One GPU as reported by NVML or /proc/driver/nvidia.
struct Gpu {
    unsigned index = 0;     ///< NVML index (or position in PCI bus order for /proc)
    std::string uuid;       ///< `GPU-…`; empty when only the device node is known
    unsigned minor = 0;     ///< device minor number: /dev/nvidia<minor>
    std::string pci_bus_id; ///< e.g. `0000:18:00.0`; may be empty
    std::string model;      ///< e.g. `NVIDIA H100 80GB HBM3`; may be empty
    DeviceNode node;        ///< its /dev/nvidia<minor>
};

/// Where the GPU list came from.
enum class GpuSource { Nvml, Proc, DeviceNodes };

/// Returns "nvml", "proc" or "device-nodes".
std::string_view to_string(GpuSource source);

struct DiscoveryOptions {
    std::filesystem::path dev_root = "/";    ///< directory holding `dev/`
    std::filesystem::path driver_root = "/"; ///< directory holding the driver's lib/bin dirs
    bool use_nvml = true; ///< use NVML (only ever consulted when driver_root is `/`)
};

/// Everything a CDI spec for NVIDIA GPUs is made from.
struct Discovery {
    std::vector<Gpu> gpus;
    GpuSource gpu_source = GpuSource::Proc;
    std::vector<DeviceNode> control_nodes; ///< nvidiactl, nvidia-uvm, …
    std::vector<DriverFile> libraries;
    std::vector<DriverFile> binaries;
    std::vector<DriverFile> ipc_sockets; ///< e.g. /run/nvidia-persistenced/socket
    std::string driver_version;          ///< e.g. `580.95.05`; empty when unknown
    bool dev_root_is_host = true;        ///< dev_root is `/` (device nodes need no hostPath)
    std::vector<std::string> warnings;   ///< things skipped, for the log
};

/// Detects GPUs, device nodes and driver files; throws Error{InvalidInput} naming what was
/// not found and where it looked when there is no GPU, no /dev/nvidiactl or no libcuda.
Discovery discover(const DiscoveryOptions& options);

/// `root` + an absolute path inside it (`/fake` + `/dev/nvidia0` = `/fake/dev/nvidia0`).
std::filesystem::path under_root(const std::filesystem::path& root, std::string_view path);

/// True when `root` names the real system root `/`.
bool is_system_root(const std::filesystem::path& root);

/// Fields of one /proc/driver/nvidia/gpus/<bus>/information file.
struct ProcGpuInfo {
    std::optional<unsigned> minor;
    std::string uuid;
    std::string bus_location;
    std::string model;
};

/// Parses an `information` file ("Device Minor:", "GPU UUID:", "Bus Location:", "Model:").
ProcGpuInfo parse_proc_information(std::string_view text);

/// The driver version in a library file name (`libcuda.so.580.95.05` → `580.95.05`), if the
/// suffix after `.so.` has at least two numeric components.
std::optional<std::string> version_from_library_name(std::string_view file_name);

} // namespace cudapkgs::cdi
