// SPDX-License-Identifier: Apache-2.0
// Searching a driver root for the NVIDIA driver's user-space files.
#include "driver_files.hpp"

#include <cudapkgs/util/error.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <set>
#include <span>
#include <string_view>
#include <sys/stat.h>
#include <utility>

namespace cudapkgs::cdi::detail {

namespace fs = std::filesystem;

namespace {

// Searched in this order; for each library the first directory holding it wins.
constexpr std::array<std::string_view, 10> kLibraryDirs = {
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/nvidia/lib64",
    "/usr/local/nvidia/lib",
    "/lib/x86_64-linux-gnu",
    "/lib/aarch64-linux-gnu",
    "/lib64",
    "/lib",
};

// Compute and utility libraries (what CUDA, NVML and OpenCL programs load), then video.
constexpr std::array<std::string_view, 16> kLibraries = {
    "libcuda",
    "libcudadebugger",
    "libnvidia-ml",
    "libnvidia-ptxjitcompiler",
    "libnvidia-nvvm",
    "libnvidia-gpucomp",
    "libnvidia-cfg",
    "libnvidia-opencl",
    "libnvidia-allocator",
    "libnvidia-pkcs11",
    "libnvidia-pkcs11-openssl3",
    "libnvidia-nscq",
    "libnvidia-fatbinaryloader",
    "libnvidia-compiler",
    "libnvcuvid",
    "libnvidia-encode",
};

constexpr std::array<std::string_view, 6> kBinaryDirs = {
    "/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin", "/usr/local/nvidia/bin",
};

constexpr std::array<std::string_view, 5> kBinaries = {
    "nvidia-smi",
    "nvidia-debugdump",
    "nvidia-persistenced",
    "nvidia-cuda-mps-control",
    "nvidia-cuda-mps-server",
};

constexpr std::array<std::string_view, 1> kIpcSockets = {"/run/nvidia-persistenced/socket"};

/// `libcuda.so` or `libcuda.so.<anything>`.
bool matches_library(std::string_view file_name, std::string_view base) {
    if (file_name.size() < base.size() + 3 || file_name.substr(0, base.size()) != base) {
        return false;
    }
    std::string_view rest = file_name.substr(base.size());
    return rest == ".so" || rest.substr(0, 4) == ".so.";
}

/// Directories that exist, each real directory once (/lib may be a link to /usr/lib).
std::vector<std::pair<std::string, fs::path>>
existing_dirs(const fs::path& root, std::span<const std::string_view> dirs) {
    std::vector<std::pair<std::string, fs::path>> found;
    std::set<std::pair<dev_t, ino_t>> seen;
    for (std::string_view dir : dirs) {
        fs::path host = under_root(root, dir);
        struct stat st {};
        if (::stat(host.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
            continue;
        }
        if (seen.insert({st.st_dev, st.st_ino}).second) {
            found.emplace_back(std::string(dir), host);
        }
    }
    return found;
}

/// File names in `dir`, sorted (so specs do not depend on directory order).
std::vector<std::string> sorted_names(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

/// The searched directories as host paths, for error messages.
std::string searched(std::span<const std::string_view> dirs, const fs::path& root) {
    std::vector<std::string> shown;
    for (std::string_view dir : dirs) {
        shown.push_back(under_root(root, dir).string());
    }
    return fmt::format("{}", fmt::join(shown, ", "));
}

/// The files of one library in the first directory that has any; skips regular files whose
/// version suffix names another driver version and links that lead nowhere.
std::vector<DriverFile> find_library(std::string_view base,
                                     const std::vector<std::pair<std::string, fs::path>>& dirs,
                                     const std::string& version, Discovery& out) {
    for (const auto& [container_dir, host_dir] : dirs) {
        std::vector<DriverFile> files;
        for (const auto& name : sorted_names(host_dir)) {
            if (!matches_library(name, base)) {
                continue;
            }
            fs::path host = host_dir / name;
            std::error_code ec;
            bool is_link = fs::is_symlink(fs::symlink_status(host, ec));
            if (!fs::is_regular_file(host, ec)) {
                out.warnings.push_back(fmt::format("skipping {}: not a file", host.string()));
                continue;
            }
            auto file_version = version_from_library_name(name);
            if (!is_link && file_version && !version.empty() && *file_version != version) {
                out.warnings.push_back(fmt::format("skipping {}: driver version {} is not {}",
                                                   host.string(), *file_version, version));
                continue;
            }
            files.push_back({host, container_dir + "/" + name});
        }
        if (!files.empty()) {
            return files;
        }
    }
    return {};
}

/// The version in the name of the first regular (non-link) file among `files`.
std::string version_of(const std::vector<DriverFile>& files) {
    for (const auto& file : files) {
        std::error_code ec;
        if (fs::is_symlink(fs::symlink_status(file.host_path, ec))) {
            continue;
        }
        if (auto v = version_from_library_name(file.host_path.filename().string())) {
            return *v;
        }
    }
    return {};
}

void find_binaries(const fs::path& driver_root, Discovery& out) {
    auto dirs = existing_dirs(driver_root, kBinaryDirs);
    for (std::string_view name : kBinaries) {
        for (const auto& [container_dir, host_dir] : dirs) {
            fs::path host = host_dir / name;
            std::error_code ec;
            if (fs::is_regular_file(host, ec)) {
                // Mounted on /usr/bin so the tools are on the container's PATH.
                out.binaries.push_back({host, "/usr/bin/" + std::string(name)});
                break;
            }
        }
    }
}

void find_ipc_sockets(const fs::path& driver_root, Discovery& out) {
    for (std::string_view socket : kIpcSockets) {
        fs::path host = under_root(driver_root, socket);
        std::error_code ec;
        auto status = fs::status(host, ec);
        bool ok =
            fs::is_socket(status) || (!is_system_root(driver_root) && fs::is_regular_file(status));
        if (ok) {
            out.ipc_sockets.push_back({host, std::string(socket)});
        }
    }
}

} // namespace

void find_driver_files(const fs::path& driver_root, Discovery& out) {
    auto dirs = existing_dirs(driver_root, kLibraryDirs);
    std::vector<DriverFile> libcuda = find_library("libcuda", dirs, {}, out);
    if (libcuda.empty()) {
        Error error(ErrorKind::InvalidInput,
                    fmt::format("no NVIDIA driver library libcuda.so* found under driver root {}",
                                driver_root.string()));
        error.add_note(fmt::format("looked in: {}", searched(kLibraryDirs, driver_root)));
        error.add_note("is the NVIDIA driver installed? pass --driver-root if its files live "
                       "under another root");
        throw error;
    }
    out.driver_version = version_of(libcuda);
    out.libraries = std::move(libcuda);
    for (std::string_view base : kLibraries) {
        if (base == "libcuda") {
            continue;
        }
        auto files = find_library(base, dirs, out.driver_version, out);
        if (out.driver_version.empty() && base == "libnvidia-ml") {
            out.driver_version = version_of(files);
        }
        out.libraries.insert(out.libraries.end(), files.begin(), files.end());
    }
    find_binaries(driver_root, out);
    find_ipc_sockets(driver_root, out);
}

} // namespace cudapkgs::cdi::detail
