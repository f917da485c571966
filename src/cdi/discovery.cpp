// SPDX-License-Identifier: Apache-2.0
// GPU and device-node discovery: NVML on the real system, /proc/driver/nvidia as fallback,
// the /dev/nvidia<N> nodes as a last resort; then the driver's files (driver_files.cpp).
#include "driver_files.hpp"
#include "nvml.hpp"

#include <cudapkgs/cdi/discovery.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>

namespace cudapkgs::cdi {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kProcGpus = "/proc/driver/nvidia/gpus";

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

std::optional<unsigned> parse_unsigned(std::string_view s) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
        return std::nullopt;
    }
    return value;
}

/// A character device; or, under a fake dev root, a regular file standing in for one.
bool is_device_node(const fs::path& path, bool allow_regular) {
    std::error_code ec;
    auto status = fs::status(path, ec);
    return fs::is_character_file(status) || (allow_regular && fs::is_regular_file(status));
}

struct Roots {
    fs::path dev;
    fs::path driver;
    bool fake_dev;
};

std::optional<DeviceNode> find_node(const Roots& roots, std::string_view path) {
    fs::path host = under_root(roots.dev, path);
    if (!is_device_node(host, roots.fake_dev)) {
        return std::nullopt;
    }
    return DeviceNode{std::string(path), host};
}

/// GPUs listed in /proc/driver/nvidia/gpus under the driver root (and the dev root), ordered
/// by PCI bus location, which is NVML's default enumeration order.
std::vector<Gpu> gpus_from_proc(const Roots& roots, std::vector<std::string>& looked) {
    std::vector<fs::path> dirs{under_root(roots.driver, kProcGpus)};
    if (under_root(roots.dev, kProcGpus) != dirs.front()) {
        dirs.push_back(under_root(roots.dev, kProcGpus));
    }
    std::map<std::string, Gpu> by_bus;
    for (const auto& dir : dirs) {
        looked.push_back(fmt::format("no GPU in {}/*/information", dir.string()));
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            fs::path file = entry.path() / "information";
            if (!fs::is_regular_file(file, ec)) {
                continue;
            }
            ProcGpuInfo info = parse_proc_information(util::read_file(file));
            if (!info.minor) {
                spdlog::warn("{}: no 'Device Minor:' line; ignored", file.string());
                continue;
            }
            std::string bus =
                info.bus_location.empty() ? entry.path().filename().string() : info.bus_location;
            by_bus[bus] = Gpu{0, info.uuid, *info.minor, bus, info.model, {}};
        }
        if (!by_bus.empty()) {
            break;
        }
    }
    std::vector<Gpu> gpus;
    for (auto& [bus, gpu] : by_bus) {
        gpu.index = static_cast<unsigned>(gpus.size());
        gpus.push_back(std::move(gpu));
    }
    return gpus;
}

/// GPUs known only from their /dev/nvidia<N> nodes (no UUID), ordered by minor number.
std::vector<Gpu> gpus_from_nodes(const Roots& roots, std::vector<std::string>& looked) {
    fs::path dev = under_root(roots.dev, "/dev");
    looked.push_back(fmt::format("no device node {}/nvidia[0-9]*", dev.string()));
    std::vector<unsigned> minors;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dev, ec)) {
        std::string name = entry.path().filename().string();
        if (name.rfind("nvidia", 0) != 0) {
            continue;
        }
        auto minor = parse_unsigned(std::string_view(name).substr(6));
        if (minor && is_device_node(entry.path(), roots.fake_dev)) {
            minors.push_back(*minor);
        }
    }
    std::sort(minors.begin(), minors.end());
    std::vector<Gpu> gpus;
    for (unsigned minor : minors) {
        gpus.push_back(Gpu{static_cast<unsigned>(gpus.size()), {}, minor, {}, {}, {}});
    }
    return gpus;
}

void find_gpus(const Roots& roots, const DiscoveryOptions& options, Discovery& out) {
    std::vector<std::string> looked;
    if (options.use_nvml && is_system_root(roots.driver)) {
        auto result = detail::query_nvml();
        if (auto* gpus = std::get_if<std::vector<Gpu>>(&result); gpus && !gpus->empty()) {
            out.gpus = std::move(*gpus);
            out.gpu_source = GpuSource::Nvml;
        } else {
            auto* why = std::get_if<std::string>(&result);
            looked.push_back("NVML: " + (why ? *why : std::string("no GPU reported")));
            spdlog::debug("NVML not usable: {}", looked.back());
        }
    } else {
        looked.push_back(options.use_nvml ? "NVML: not used (driver root is not /)"
                                          : "NVML: not used (--no-nvml)");
    }
    if (out.gpus.empty()) {
        out.gpus = gpus_from_proc(roots, looked);
        out.gpu_source = GpuSource::Proc;
    }
    if (out.gpus.empty()) {
        out.gpus = gpus_from_nodes(roots, looked);
        out.gpu_source = GpuSource::DeviceNodes;
        if (!out.gpus.empty()) {
            out.warnings.push_back("GPU UUIDs unknown: neither NVML nor /proc/driver/nvidia "
                                   "answered; GPUs are numbered by device minor");
        }
    }
    if (out.gpus.empty()) {
        Error error(ErrorKind::InvalidInput, "no NVIDIA GPU found");
        for (const auto& line : looked) {
            error.add_note(line);
        }
        throw error;
    }
}

/// Attaches each GPU's /dev/nvidia<minor>; GPUs whose node is absent (e.g. hidden from this
/// container) are dropped with a warning; none left is an error.
void attach_gpu_nodes(const Roots& roots, Discovery& out) {
    std::vector<Gpu> kept;
    for (auto& gpu : out.gpus) {
        std::string path = fmt::format("/dev/nvidia{}", gpu.minor);
        if (auto node = find_node(roots, path)) {
            gpu.node = std::move(*node);
            kept.push_back(std::move(gpu));
        } else {
            out.warnings.push_back(fmt::format("GPU {} ({}) skipped: no device node {}", gpu.index,
                                               gpu.uuid.empty() ? "?" : gpu.uuid,
                                               under_root(roots.dev, path).string()));
        }
    }
    if (kept.empty()) {
        Error error(ErrorKind::InvalidInput, fmt::format("no NVIDIA GPU device node found under {}",
                                                         under_root(roots.dev, "/dev").string()));
        for (const auto& warning : out.warnings) {
            error.add_note(warning);
        }
        throw error;
    }
    out.gpus = std::move(kept);
}

void find_control_nodes(const Roots& roots, Discovery& out) {
    auto ctl = find_node(roots, "/dev/nvidiactl");
    if (!ctl) {
        fail(ErrorKind::InvalidInput, "no NVIDIA control device {} found",
             under_root(roots.dev, "/dev/nvidiactl").string());
    }
    out.control_nodes.push_back(std::move(*ctl));
    for (std::string_view path :
         {"/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset"}) {
        if (auto node = find_node(roots, path)) {
            out.control_nodes.push_back(std::move(*node));
        } else if (path == "/dev/nvidia-uvm") {
            // CUDA needs it; the driver creates it on first use (nvidia-modprobe -u -c=0).
            out.warnings.push_back(fmt::format("{} not found; CUDA in containers needs it",
                                               under_root(roots.dev, path).string()));
        } else {
            spdlog::debug("optional device {} not found", under_root(roots.dev, path).string());
        }
    }
}

} // namespace

std::string_view to_string(GpuSource source) {
    switch (source) {
    case GpuSource::Nvml:
        return "nvml";
    case GpuSource::Proc:
        return "proc";
    case GpuSource::DeviceNodes:
        return "device-nodes";
    }
    return "?";
}

fs::path under_root(const fs::path& root, std::string_view path) {
    return (root / fs::path(path).relative_path()).lexically_normal();
}

bool is_system_root(const fs::path& root) {
    return fs::absolute(root).lexically_normal() == fs::path("/");
}

ProcGpuInfo parse_proc_information(std::string_view text) {
    ProcGpuInfo info;
    while (!text.empty()) {
        std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            continue;
        }
        std::string_view key = trim(line.substr(0, colon));
        std::string_view value = trim(line.substr(colon + 1));
        if (key == "Device Minor") {
            info.minor = parse_unsigned(value);
        } else if (key == "GPU UUID") {
            info.uuid = value;
        } else if (key == "Bus Location") {
            info.bus_location = value;
        } else if (key == "Model") {
            info.model = value;
        }
    }
    return info;
}

std::optional<std::string> version_from_library_name(std::string_view file_name) {
    std::size_t at = file_name.find(".so.");
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view suffix = file_name.substr(at + 4);
    int parts = 0;
    std::size_t start = 0;
    while (start <= suffix.size()) {
        std::size_t dot = std::min(suffix.find('.', start), suffix.size());
        if (!parse_unsigned(suffix.substr(start, dot - start))) {
            return std::nullopt;
        }
        ++parts;
        start = dot + 1;
    }
    if (parts < 2) {
        return std::nullopt;
    }
    return std::string(suffix);
}

Discovery discover(const DiscoveryOptions& options) {
    Roots roots{fs::absolute(options.dev_root).lexically_normal(),
                fs::absolute(options.driver_root).lexically_normal(),
                !is_system_root(options.dev_root)};
    Discovery out;
    out.dev_root_is_host = !roots.fake_dev;
    find_gpus(roots, options, out);
    attach_gpu_nodes(roots, out);
    find_control_nodes(roots, out);
    detail::find_driver_files(roots.driver, out);
    return out;
}

} // namespace cudapkgs::cdi
