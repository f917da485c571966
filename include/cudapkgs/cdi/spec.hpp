// SPDX-License-Identifier: Apache-2.0
// The CDI specification (github.com/cncf-tags/container-device-interface, SPEC.md) that
// cudapkgs writes for NVIDIA GPUs, its YAML form, and checks of a spec against the schema.
#pragma once

#include <cudapkgs/cdi/discovery.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::cdi {

/// Key order is kept so specs (and golden files) read in a stable, natural order.
using Json = nlohmann::ordered_json;

/// The CDI version written: 0.5.0 is the first to allow device names that start with a digit
/// ("0") and `hostPath` on device nodes, and nothing newer is needed.
inline constexpr std::string_view kCdiVersion = "0.5.0";
inline constexpr std::string_view kKind = "nvidia.com/gpu";
/// Where container engines look for generated specs (and where nvidia-ctk writes its own).
inline constexpr std::string_view kDefaultSpecPath = "/var/run/cdi/nvidia-container-toolkit.json";

/// How devices are named: by NVML index ("0") or by UUID ("GPU-…").
enum class NameStrategy { Index, Uuid };

/// Parses "index" or "uuid"; throws Error{Usage} otherwise.
NameStrategy parse_name_strategy(std::string_view text);

struct SpecOptions {
    NameStrategy naming = NameStrategy::Index;
    /// Adds a startContainer hook running the image's /sbin/ldconfig on the library dirs.
    bool ldconfig_hook = true;
};

/// Builds the spec: one device per GPU plus "all"; device nodes per device; control nodes,
/// library/binary mounts and the ldconfig hook in the top-level containerEdits. Throws
/// Error{InvalidInput} when UUID naming is asked for a GPU whose UUID is unknown.
Json make_spec(const Discovery& discovery, const SpecOptions& options);

/// Serialises a JSON value as block-style YAML (strings double-quoted, so any value reads back
/// unchanged).
std::string to_yaml(const Json& value);

/// Problems of `spec` against the CDI schema (required keys, types) and the spec's name rules
/// (kind `vendor/class`, device names); empty when valid.
std::vector<std::string> validate_spec(const Json& spec);

/// Fully qualified device names (`nvidia.com/gpu=0`) of a valid spec.
std::vector<std::string> device_names(const Json& spec);

/// Reads a JSON spec file and validates it; throws Error{InvalidInput} naming the file.
Json load_spec(const std::filesystem::path& path);

} // namespace cudapkgs::cdi
