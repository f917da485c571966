// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cudapkgs/version/version.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::capabilities {

/// One row of the capability table (data/gpus.json).
struct CapabilityInfo {
    std::string capability; ///< "9.0a"
    std::string arch_name;  ///< "Hopper"
    bool is_jetson = false;
    bool is_arch_specific = false;   ///< suffix a
    bool is_family_specific = false; ///< suffix f
    version::Version min_cuda;
    std::optional<version::Version> max_cuda;           ///< inclusive
    std::optional<version::Version> dont_default_after; ///< inclusive

    /// Supported by CUDA major.minor `cuda`: min <= cuda <= max.
    bool supported_by(const version::Version& cuda) const;
    /// Built by default for `cuda`: supported, within dontDefaultAfter, baseline, not Jetson.
    bool default_for(const version::Version& cuda) const;
};

/// The capability table, sorted in nixpkgs' version order (9.0, 9.0a, 10.0, 10.0a, 10.0f, …).
class CapabilityTable {
  public:
    /// The table compiled into the binary from data/gpus.json.
    static const CapabilityTable& builtin();
    /// Parses a table in the gpus.json shape; throws Error{InvalidInput}.
    static CapabilityTable parse(const nlohmann::json& doc);

    const std::vector<CapabilityInfo>& all() const noexcept { return m_rows; }
    const CapabilityInfo* find(std::string_view capability) const;
    /// The default capabilities for CUDA major.minor `cuda`, in table order.
    std::vector<std::string> defaults_for(const version::Version& cuda) const;

  private:
    std::vector<CapabilityInfo> m_rows;
};

/// "8.6" → "86", "10.0a" → "100a".
std::string drop_dots(std::string_view capability);

/// Checks the requested capabilities against the table for a set's CUDA version and system;
/// throws Error{InvalidInput} naming each bad capability and the supported range.
void validate(const CapabilityTable& table, const std::vector<std::string>& capabilities,
              const version::Version& cuda, std::string_view system, std::string_view set_name);

/// nvcc flags derived from capabilities (nixpkgs' formatCapabilities).
struct Flags {
    std::vector<std::string> real_arches;    ///< sm_75 …
    std::vector<std::string> virtual_arches; ///< compute_75 …
    std::vector<std::string> arches;         ///< real + last virtual when forward compat
    std::vector<std::string> gencode;
    std::string gencode_string;
    std::vector<std::string> arch_names;  ///< unique, sorted
    std::string cmake_cuda_architectures; ///< "75;86"
    std::vector<std::string> capabilities;
    bool forward_compat = true;

    nlohmann::json to_json() const;
};

/// Formats capabilities in user order; the PTX target is the last listed capability.
Flags format_flags(const CapabilityTable& table, const std::vector<std::string>& capabilities,
                   bool forward_compat);

/// Nix system → NVIDIA redist system: linux-x86_64, linux-sbsa, linux-aarch64 (Jetson on 12.x)
/// or "unsupported".
std::string redist_system(const CapabilityTable& table, std::string_view system,
                          const std::vector<std::string>& capabilities,
                          const version::Version& cuda);

} // namespace cudapkgs::capabilities
