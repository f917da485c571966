// SPDX-License-Identifier: Apache-2.0
// Turning a Discovery into a CDI spec for kind nvidia.com/gpu.
#include <cudapkgs/cdi/spec.hpp>
#include <cudapkgs/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace cudapkgs::cdi {

namespace {

// The image's own ldconfig, run in the container after pivot_root (OCI startContainer hook),
// so the mounted driver libraries land in the container's ld.so.cache.
constexpr std::string_view kLdconfig = "/sbin/ldconfig";

Json node_json(const DeviceNode& node) {
    Json j = Json::object();
    j["path"] = node.path;
    if (node.host_path.string() != node.path) {
        j["hostPath"] = node.host_path.string();
    }
    return j;
}

Json mount_json(const DriverFile& file) {
    return Json{{"hostPath", file.host_path.string()},
                {"containerPath", file.container_path},
                {"options", Json::array({"ro", "nosuid", "nodev", "bind"})}};
}

std::string device_name(const Gpu& gpu, NameStrategy naming) {
    if (naming == NameStrategy::Index) {
        return std::to_string(gpu.index);
    }
    if (gpu.uuid.empty()) {
        Error error(ErrorKind::InvalidInput,
                    fmt::format("GPU {} ({}) has no known UUID; cannot name it by UUID", gpu.index,
                                gpu.node.path));
        error.add_note("the UUID comes from NVML or /proc/driver/nvidia/gpus/*/information; "
                       "use --device-name-strategy index");
        throw error;
    }
    return gpu.uuid;
}

Json device_json(std::string name, Json nodes) {
    Json edits = Json::object();
    edits["deviceNodes"] = std::move(nodes);
    Json device = Json::object();
    device["name"] = std::move(name);
    device["containerEdits"] = std::move(edits);
    return device;
}

Json ldconfig_hook(const Discovery& discovery) {
    Json args = Json::array({std::string(kLdconfig)});
    std::vector<std::string> folders;
    for (const auto& lib : discovery.libraries) {
        std::string dir = std::filesystem::path(lib.container_path).parent_path().string();
        if (std::find(folders.begin(), folders.end(), dir) == folders.end()) {
            folders.push_back(dir);
            args.push_back(dir);
        }
    }
    Json hook = Json::object();
    hook["hookName"] = "startContainer";
    hook["path"] = kLdconfig;
    hook["args"] = std::move(args);
    return hook;
}

Json common_edits(const Discovery& discovery, const SpecOptions& options) {
    Json nodes = Json::array();
    for (const auto& node : discovery.control_nodes) {
        nodes.push_back(node_json(node));
    }
    Json mounts = Json::array();
    for (const auto* files : {&discovery.libraries, &discovery.binaries, &discovery.ipc_sockets}) {
        for (const auto& file : *files) {
            mounts.push_back(mount_json(file));
        }
    }
    Json edits = Json::object();
    edits["deviceNodes"] = std::move(nodes);
    edits["mounts"] = std::move(mounts);
    if (options.ldconfig_hook && !discovery.libraries.empty()) {
        edits["hooks"] = Json::array({ldconfig_hook(discovery)});
    }
    return edits;
}

} // namespace

NameStrategy parse_name_strategy(std::string_view text) {
    if (text == "index") {
        return NameStrategy::Index;
    }
    if (text == "uuid") {
        return NameStrategy::Uuid;
    }
    fail(ErrorKind::Usage, "unknown device name strategy '{}' (expected index or uuid)", text);
}

Json make_spec(const Discovery& discovery, const SpecOptions& options) {
    Json devices = Json::array();
    Json all_nodes = Json::array();
    for (const auto& gpu : discovery.gpus) {
        devices.push_back(
            device_json(device_name(gpu, options.naming), Json::array({node_json(gpu.node)})));
        all_nodes.push_back(node_json(gpu.node));
    }
    devices.push_back(device_json("all", std::move(all_nodes)));

    Json spec = Json::object();
    spec["cdiVersion"] = kCdiVersion;
    spec["kind"] = kKind;
    spec["devices"] = std::move(devices);
    spec["containerEdits"] = common_edits(discovery, options);
    return spec;
}

} // namespace cudapkgs::cdi
