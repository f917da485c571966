// SPDX-License-Identifier: Apache-2.0
#include "embedded.hpp"

#include <cudapkgs/capabilities/capabilities.hpp>
#include <cudapkgs/util/error.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

namespace cudapkgs::capabilities {

using version::Version;

bool CapabilityInfo::supported_by(const Version& cuda) const {
    return min_cuda <= cuda && (!max_cuda || cuda <= *max_cuda);
}

bool CapabilityInfo::default_for(const Version& cuda) const {
    return supported_by(cuda) && (!dont_default_after || cuda <= *dont_default_after) &&
           !is_jetson && !is_arch_specific && !is_family_specific;
}

namespace {

std::optional<Version> optional_version(const nlohmann::json& row, const char* key) {
    auto it = row.find(key);
    if (it == row.end() || it->is_null()) {
        return std::nullopt;
    }
    return Version::parse(it->get<std::string>());
}

} // namespace

CapabilityTable CapabilityTable::parse(const nlohmann::json& doc) {
    CapabilityTable table;
    try {
        for (const auto& row : doc.at("capabilities")) {
            CapabilityInfo info;
            info.capability = row.at("capability").get<std::string>();
            info.arch_name = row.at("archName").get<std::string>();
            info.is_jetson = row.at("isJetson").get<bool>();
            info.is_arch_specific = row.at("isArchitectureSpecific").get<bool>();
            info.is_family_specific = row.at("isFamilySpecific").get<bool>();
            info.min_cuda = Version::parse(row.at("minCudaVersion").get<std::string>());
            info.max_cuda = optional_version(row, "maxCudaVersion");
            info.dont_default_after = optional_version(row, "dontDefaultAfterCudaVersion");
            table.m_rows.push_back(std::move(info));
        }
    } catch (const nlohmann::json::exception& e) {
        fail(ErrorKind::InvalidInput, "invalid capability table: {}", e.what());
    }
    std::stable_sort(table.m_rows.begin(), table.m_rows.end(), [](const auto& a, const auto& b) {
        return Version::parse(a.capability) < Version::parse(b.capability);
    });
    return table;
}

const CapabilityTable& CapabilityTable::builtin() {
    static const CapabilityTable table = [] {
        auto text = find_embedded("gpus.json");
        if (!text) {
            fail(ErrorKind::Internal, "the capability table is missing from the binary");
        }
        return parse(nlohmann::json::parse(*text));
    }();
    return table;
}

const CapabilityInfo* CapabilityTable::find(std::string_view capability) const {
    for (const auto& row : m_rows) {
        if (row.capability == capability) {
            return &row;
        }
    }
    return nullptr;
}

std::vector<std::string> CapabilityTable::defaults_for(const Version& cuda) const {
    std::vector<std::string> out;
    for (const auto& row : m_rows) {
        if (row.default_for(cuda)) {
            out.push_back(row.capability);
        }
    }
    return out;
}

std::string drop_dots(std::string_view capability) {
    std::string out;
    for (char c : capability) {
        if (c != '.') {
            out += c;
        }
    }
    return out;
}

namespace {

std::string supported_range_note(const CapabilityTable& table, const Version& cuda) {
    std::vector<std::string> ok;
    for (const auto& row : table.all()) {
        if (row.supported_by(cuda)) {
            ok.push_back(row.capability);
        }
    }
    return fmt::format("CUDA {} supports: {}", cuda.str(), fmt::join(ok, " "));
}

} // namespace

void validate(const CapabilityTable& table, const std::vector<std::string>& capabilities,
              const Version& cuda, std::string_view system, std::string_view set_name) {
    std::vector<std::string> problems;
    std::vector<std::string> jetson;
    std::vector<std::string> other;
    for (const auto& cap : capabilities) {
        const CapabilityInfo* info = table.find(cap);
        if (info == nullptr) {
            // Unknown capabilities come first: they are the likeliest typo.
            problems.insert(problems.begin(),
                            fmt::format("unrecognized CUDA capability '{}'", cap));
            continue;
        }
        (info->is_jetson ? jetson : other).push_back(cap);
        if (cuda < info->min_cuda) {
            problems.push_back(
                fmt::format("CUDA capability {} is too new for CUDA {}: it needs CUDA {} or newer",
                            cap, cuda.str(), info->min_cuda.str()));
        } else if (info->max_cuda && *info->max_cuda < cuda) {
            problems.push_back(fmt::format(
                "CUDA capability {} is too old for CUDA {}: it was last supported by CUDA {}", cap,
                cuda.str(), info->max_cuda->str()));
        }
    }
    if (!jetson.empty() && system != "aarch64-linux") {
        problems.push_back(fmt::format(
            "Jetson CUDA capabilities ({}) require an aarch64-linux system (currently {})",
            fmt::join(jetson, ", "), system));
    }
    if (!jetson.empty() && !other.empty()) {
        problems.push_back(fmt::format(
            "Jetson CUDA capabilities ({}) cannot be combined with non-Jetson capabilities ({})",
            fmt::join(jetson, ", "), fmt::join(other, ", ")));
    }
    if (problems.empty()) {
        return;
    }
    Error error(ErrorKind::InvalidInput,
                fmt::format("{}: invalid cudaCapabilities: {}", set_name, problems.front()));
    for (std::size_t i = 1; i < problems.size(); ++i) {
        error.add_note(problems[i]);
    }
    error.add_note(supported_range_note(table, cuda));
    error.add_note("set them with --option cudaCapabilities 8.6,9.0 or in the config file");
    throw error;
}

Flags format_flags(const CapabilityTable& table, const std::vector<std::string>& capabilities,
                   bool forward_compat) {
    Flags flags;
    flags.capabilities = capabilities;
    flags.forward_compat = forward_compat;
    std::set<std::string> names;
    std::vector<std::string> cmake;
    for (const auto& cap : capabilities) {
        const std::string d = drop_dots(cap);
        flags.real_arches.push_back("sm_" + d);
        flags.virtual_arches.push_back("compute_" + d);
        flags.gencode.push_back(fmt::format("-gencode=arch=compute_{0},code=sm_{0}", d));
        cmake.push_back(d);
        if (const auto* info = table.find(cap)) {
            names.insert(info->arch_name);
        }
    }
    flags.arches = flags.real_arches;
    if (forward_compat && !capabilities.empty()) {
        const std::string last = drop_dots(capabilities.back());
        flags.gencode.push_back(fmt::format("-gencode=arch=compute_{0},code=compute_{0}", last));
        flags.arches.push_back("compute_" + last);
    }
    flags.gencode_string = fmt::format("{}", fmt::join(flags.gencode, " "));
    flags.arch_names.assign(names.begin(), names.end());
    flags.cmake_cuda_architectures = fmt::format("{}", fmt::join(cmake, ";"));
    return flags;
}

nlohmann::json Flags::to_json() const {
    return {{"gencode", gencode},
            {"gencodeString", gencode_string},
            {"realArches", real_arches},
            {"virtualArches", virtual_arches},
            {"arches", arches},
            {"archNames", arch_names},
            {"cmakeCudaArchitecturesString", cmake_cuda_architectures}};
}

std::string redist_system(const CapabilityTable& table, std::string_view system,
                          const std::vector<std::string>& capabilities, const Version& cuda) {
    if (system == "x86_64-linux") {
        return "linux-x86_64";
    }
    if (system == "aarch64-linux") {
        bool jetson = std::any_of(capabilities.begin(), capabilities.end(), [&](const auto& c) {
            const auto* info = table.find(c);
            return info != nullptr && info->is_jetson;
        });
        return jetson && cuda.part(0) < 13 ? "linux-aarch64" : "linux-sbsa";
    }
    return "unsupported";
}

} // namespace cudapkgs::capabilities
