// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/toolchain/gpu.hpp>

#include <fmt/format.h>

#include <array>
#include <dlfcn.h>

namespace cudapkgs::toolchain {

namespace {

// The few driver API entry points we call, declared by hand so no CUDA header is needed.
using CuResult = int;
using CuInit = CuResult (*)(unsigned);
using CuIntOut = CuResult (*)(int*);
using CuDeviceGet = CuResult (*)(int*, int);
using CuDeviceGetName = CuResult (*)(char*, int, int);
using CuDeviceGetAttribute = CuResult (*)(int*, int, int);
using CuGetErrorString = CuResult (*)(CuResult, const char**);

constexpr int kAttrCapabilityMajor = 75; // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
constexpr int kAttrCapabilityMinor = 76;

template <typename Fn> Fn lookup(void* handle, const char* name) {
    return reinterpret_cast<Fn>(::dlsym(handle, name));
}

struct Driver {
    void* handle = nullptr;
    CuInit init = nullptr;
    CuIntOut device_count = nullptr;
    CuIntOut driver_version = nullptr;
    CuDeviceGet device_get = nullptr;
    CuDeviceGetName device_name = nullptr;
    CuDeviceGetAttribute attribute = nullptr;
    CuGetErrorString error_string = nullptr;

    std::string describe(CuResult rc) const {
        const char* text = nullptr;
        if (error_string != nullptr && error_string(rc, &text) == 0 && text != nullptr) {
            return fmt::format("{} (CUresult {})", text, rc);
        }
        return fmt::format("CUresult {}", rc);
    }
};

/// dlopen's the driver; the handle is kept for the life of the process (unloading a CUDA
/// driver is not supported by NVIDIA).
void* open_driver(const std::filesystem::path& dir, std::string& loaded, std::string& errors) {
    std::vector<std::string> candidates;
    if (!dir.empty()) {
        candidates.push_back((dir / "libcuda.so.1").string());
    }
    candidates.emplace_back("libcuda.so.1");
    for (const auto& candidate : candidates) {
        if (void* handle = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL)) {
            loaded = candidate;
            return handle;
        }
        const char* err = ::dlerror();
        errors += fmt::format("{}{}", errors.empty() ? "" : "; ", err != nullptr ? err : candidate);
    }
    return nullptr;
}

bool bind(Driver& d) {
    d.init = lookup<CuInit>(d.handle, "cuInit");
    d.device_count = lookup<CuIntOut>(d.handle, "cuDeviceGetCount");
    d.driver_version = lookup<CuIntOut>(d.handle, "cuDriverGetVersion");
    d.device_get = lookup<CuDeviceGet>(d.handle, "cuDeviceGet");
    d.device_name = lookup<CuDeviceGetName>(d.handle, "cuDeviceGetName");
    d.attribute = lookup<CuDeviceGetAttribute>(d.handle, "cuDeviceGetAttribute");
    d.error_string = lookup<CuGetErrorString>(d.handle, "cuGetErrorString");
    return d.init != nullptr && d.device_count != nullptr && d.driver_version != nullptr &&
           d.device_get != nullptr && d.device_name != nullptr;
}

GpuDevice describe_device(const Driver& d, int ordinal) {
    GpuDevice device;
    device.ordinal = ordinal;
    int handle = 0;
    if (d.device_get(&handle, ordinal) != 0) {
        return device;
    }
    std::array<char, 256> name{};
    if (d.device_name(name.data(), static_cast<int>(name.size()), handle) == 0) {
        device.name = name.data();
    }
    int major = 0;
    int minor = 0;
    if (d.attribute != nullptr && d.attribute(&major, kAttrCapabilityMajor, handle) == 0 &&
        d.attribute(&minor, kAttrCapabilityMinor, handle) == 0) {
        device.capability = fmt::format("{}.{}", major, minor);
    }
    return device;
}

} // namespace

std::string GpuStatus::driver_cuda_version() const {
    if (driver_version <= 0) {
        return {};
    }
    return fmt::format("{}.{}", driver_version / 1000, (driver_version % 1000) / 10);
}

nlohmann::json GpuStatus::to_json() const {
    nlohmann::json devs = nlohmann::json::array();
    for (const auto& d : devices) {
        devs.push_back({{"ordinal", d.ordinal}, {"name", d.name}, {"capability", d.capability}});
    }
    return {{"usable", usable},
            {"deviceCount", device_count},
            {"driverVersion", driver_version},
            {"driverCudaVersion", driver_cuda_version()},
            {"driverLibrary", driver_library},
            {"devices", devs},
            {"reason", reason}};
}

GpuStatus detect_gpu(const std::filesystem::path& driver_lib_dir) {
    GpuStatus status;
    std::string errors;
    Driver d;
    d.handle = open_driver(driver_lib_dir, status.driver_library, errors);
    if (d.handle == nullptr) {
        status.reason = "no NVIDIA driver: cannot load libcuda.so.1 (" + errors + ")";
        return status;
    }
    if (!bind(d)) {
        status.reason = status.driver_library + " lacks the CUDA driver API entry points";
        return status;
    }
    d.driver_version(&status.driver_version);
    if (CuResult rc = d.init(0); rc != 0) {
        status.reason = "cuInit failed: " + d.describe(rc);
        return status;
    }
    if (CuResult rc = d.device_count(&status.device_count); rc != 0) {
        status.reason = "cuDeviceGetCount failed: " + d.describe(rc);
        return status;
    }
    for (int i = 0; i < status.device_count; ++i) {
        status.devices.push_back(describe_device(d, i));
    }
    status.usable = status.device_count > 0;
    if (!status.usable) {
        status.reason = "the NVIDIA driver reports no CUDA device";
    }
    return status;
}

} // namespace cudapkgs::toolchain
