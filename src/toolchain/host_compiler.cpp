// SPDX-License-Identifier: Apache-2.0
#include "embedded.hpp"

#include <cudapkgs/toolchain/host_compiler.hpp>
#include <cudapkgs/util/error.hpp>

#include <cstdlib>
#include <regex>

namespace cudapkgs::toolchain {

using nlohmann::json;

std::optional<NvccCompat> find_nvcc_compat(const version::Version& cuda_major_minor) {
    static const json table = [] {
        auto text = find_embedded("nvcc-compat.json");
        return text ? json::parse(*text).at("nvccCompatibilities") : json::object();
    }();
    const std::string key = cuda_major_minor.prefix(2);
    auto it = table.find(key);
    if (it == table.end()) {
        return std::nullopt;
    }
    NvccCompat compat;
    compat.cuda = key;
    for (const char* family : {"gcc", "clang"}) {
        if (auto f = it->find(family); f != it->end() && f->is_object()) {
            CompilerRange r{f->value("min", 0u), f->value("max", 0u)};
            (std::string_view(family) == "gcc" ? compat.gcc : compat.clang) = r;
        }
    }
    return compat;
}

namespace {

/// `compiler --version` with a small explicit environment (the caller's PATH, LANG=C); its
/// output, or nullopt when it could not be run, failed or took longer than 30 s.
std::optional<std::string> version_text(const std::string& compiler, ProcessRunner& runner) {
    const char* path = std::getenv("PATH");
    ProcessSpec spec;
    spec.argv = {compiler, "--version"};
    spec.env = {std::string("PATH=") + (path != nullptr ? path : "/usr/bin:/bin"), "LANG=C"};
    if (const char* home = std::getenv("HOME"); home != nullptr) {
        spec.env.push_back(std::string("HOME=") + home);
    }
    spec.timeout_seconds = 30;
    try {
        ProcessResult result = runner.run(spec);
        return result.ok() ? std::optional(result.output) : std::nullopt;
    } catch (const Error&) {
        return std::nullopt; // not found or not executable
    }
}

} // namespace

std::optional<HostCompiler> probe_compiler(const std::string& compiler, ProcessRunner& runner) {
    auto text = version_text(compiler, runner);
    if (!text) {
        return std::nullopt;
    }
    HostCompiler hc;
    hc.path = compiler;
    std::smatch m;
    // "g++ (Debian 12.2.0-14) 12.2.0" or "Debian clang version 14.0.6"
    static const std::regex kClang(R"(clang version (\d+)\.(\d+)(?:\.(\d+))?)");
    static const std::regex kGcc(R"(^\S*(?:g\+\+|gcc|c\+\+)[^\n]*?\s(\d+)\.(\d+)(?:\.(\d+))?)");
    if (std::regex_search(*text, m, kClang)) {
        hc.family = "clang";
    } else if (std::regex_search(*text, m, kGcc)) {
        hc.family = "gcc";
    } else {
        return std::nullopt;
    }
    hc.major = static_cast<unsigned>(std::stoul(m[1].str()));
    hc.version = m[1].str() + "." + m[2].str() + (m[3].matched ? "." + m[3].str() : "");
    return hc;
}

std::optional<HostCompiler> detect_host_compiler(ProcessRunner& runner) {
    for (const char* var : {"CUDAHOSTCXX", "CXX"}) {
        if (const char* value = std::getenv(var); value != nullptr && *value != '\0') {
            return probe_compiler(value, runner);
        }
    }
    for (const char* name : {"g++", "clang++"}) {
        if (auto hc = probe_compiler(name, runner)) {
            return hc;
        }
    }
    return std::nullopt;
}

json describe(const std::optional<HostCompiler>& compiler,
              const version::Version& cuda_major_minor) {
    json out;
    auto compat = find_nvcc_compat(cuda_major_minor);
    out["cudaVersion"] = cuda_major_minor.prefix(2);
    json ranges = json::object();
    if (compat) {
        for (const char* family : {"gcc", "clang"}) {
            if (const auto& r = compat->range_for(family)) {
                ranges[family] = {{"min", r->min}, {"max", r->max}};
            }
        }
    }
    out["supportedRange"] = ranges;
    if (!compiler) {
        out["found"] = false;
        out["supported"] = false;
        return out;
    }
    out["found"] = true;
    out["path"] = compiler->path;
    out["family"] = compiler->family;
    out["version"] = compiler->version;
    out["major"] = compiler->major;
    bool supported = false;
    if (compat) {
        if (const auto& r = compat->range_for(compiler->family)) {
            supported = r->min <= compiler->major && compiler->major <= r->max;
        }
    }
    out["supported"] = supported;
    return out;
}

} // namespace cudapkgs::toolchain
