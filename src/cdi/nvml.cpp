// SPDX-License-Identifier: Apache-2.0
// NVML through dlopen: cudapkgs neither links against the driver nor needs its headers, so
// the few prototypes used are declared here (NVML's documented C API, versioned symbols).
#include "nvml.hpp"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <dlfcn.h>

namespace cudapkgs::cdi::detail {

namespace {

using NvmlReturn = int; // nvmlReturn_t; NVML_SUCCESS == 0
using NvmlDevice = struct NvmlDeviceOpaque*;
constexpr NvmlReturn kNvmlSuccess = 0;
constexpr unsigned kUuidBufferSize = 96; // NVML_DEVICE_UUID_V2_BUFFER_SIZE
constexpr unsigned kNameBufferSize = 96; // NVML_DEVICE_NAME_V2_BUFFER_SIZE

// nvmlPciInfo_t as taken by nvmlDeviceGetPciInfo_v3, padded in case a driver writes more.
struct NvmlPciInfo {
    char bus_id_legacy[16];
    unsigned domain;
    unsigned bus;
    unsigned device;
    unsigned pci_device_id;
    unsigned pci_subsystem_id;
    char bus_id[32];
    char padding[256];
};

struct NvmlApi {
    NvmlReturn (*init)();
    NvmlReturn (*shutdown)();
    const char* (*error_string)(NvmlReturn);
    NvmlReturn (*get_count)(unsigned*);
    NvmlReturn (*get_handle)(unsigned, NvmlDevice*);
    NvmlReturn (*get_uuid)(NvmlDevice, char*, unsigned);
    NvmlReturn (*get_minor)(NvmlDevice, unsigned*);
    NvmlReturn (*get_pci)(NvmlDevice, NvmlPciInfo*);     // optional
    NvmlReturn (*get_name)(NvmlDevice, char*, unsigned); // optional
};

/// Closes the library when leaving scope (NVML itself is shut down separately).
class Library {
  public:
    explicit Library(void* handle) : m_handle(handle) {}
    ~Library() {
        if (m_handle != nullptr) {
            ::dlclose(m_handle);
        }
    }
    Library(const Library&) = delete;
    Library& operator=(const Library&) = delete;
    template <typename Fn> bool bind(Fn& fn, const char* symbol) const {
        fn = reinterpret_cast<Fn>(::dlsym(m_handle, symbol));
        return fn != nullptr;
    }

  private:
    void* m_handle;
};

std::string error_text(const NvmlApi& api, NvmlReturn rc) {
    const char* text = api.error_string != nullptr ? api.error_string(rc) : nullptr;
    return text != nullptr ? fmt::format("{} (code {})", text, rc) : fmt::format("code {}", rc);
}

std::string bounded(const char* buffer, std::size_t size) {
    return std::string(buffer, ::strnlen(buffer, size));
}

std::variant<Gpu, std::string> query_device(const NvmlApi& api, unsigned index) {
    NvmlDevice device = nullptr;
    if (NvmlReturn rc = api.get_handle(index, &device); rc != kNvmlSuccess) {
        return fmt::format("nvmlDeviceGetHandleByIndex_v2({}) failed: {}", index,
                           error_text(api, rc));
    }
    Gpu gpu;
    gpu.index = index;
    std::array<char, kUuidBufferSize> uuid{};
    if (NvmlReturn rc = api.get_uuid(device, uuid.data(), kUuidBufferSize); rc != kNvmlSuccess) {
        return fmt::format("nvmlDeviceGetUUID({}) failed: {}", index, error_text(api, rc));
    }
    gpu.uuid = bounded(uuid.data(), uuid.size());
    if (NvmlReturn rc = api.get_minor(device, &gpu.minor); rc != kNvmlSuccess) {
        return fmt::format("nvmlDeviceGetMinorNumber({}) failed: {}", index, error_text(api, rc));
    }
    NvmlPciInfo pci{};
    if (api.get_pci != nullptr && api.get_pci(device, &pci) == kNvmlSuccess) {
        gpu.pci_bus_id = bounded(pci.bus_id, sizeof pci.bus_id);
    }
    std::array<char, kNameBufferSize> name{};
    if (api.get_name != nullptr && api.get_name(device, name.data(), kNameBufferSize) == 0) {
        gpu.model = bounded(name.data(), name.size());
    }
    return gpu;
}

std::variant<std::vector<Gpu>, std::string> query_devices(const NvmlApi& api) {
    unsigned count = 0;
    if (NvmlReturn rc = api.get_count(&count); rc != kNvmlSuccess) {
        return fmt::format("nvmlDeviceGetCount_v2 failed: {}", error_text(api, rc));
    }
    std::vector<Gpu> gpus;
    for (unsigned i = 0; i < count; ++i) {
        auto gpu = query_device(api, i);
        if (auto* message = std::get_if<std::string>(&gpu)) {
            return *message;
        }
        gpus.push_back(std::get<Gpu>(std::move(gpu)));
    }
    return gpus;
}

} // namespace

std::variant<std::vector<Gpu>, std::string> query_nvml() {
    ::dlerror();
    void* handle = ::dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* why = ::dlerror();
        return fmt::format("dlopen(libnvidia-ml.so.1) failed: {}", why != nullptr ? why : "?");
    }
    Library lib(handle);
    NvmlApi api{};
    bool ok = lib.bind(api.init, "nvmlInit_v2") && lib.bind(api.shutdown, "nvmlShutdown") &&
              lib.bind(api.get_count, "nvmlDeviceGetCount_v2") &&
              lib.bind(api.get_handle, "nvmlDeviceGetHandleByIndex_v2") &&
              lib.bind(api.get_uuid, "nvmlDeviceGetUUID") &&
              lib.bind(api.get_minor, "nvmlDeviceGetMinorNumber");
    if (!ok) {
        return std::string("libnvidia-ml.so.1 lacks a required NVML function");
    }
    lib.bind(api.error_string, "nvmlErrorString");
    lib.bind(api.get_pci, "nvmlDeviceGetPciInfo_v3");
    lib.bind(api.get_name, "nvmlDeviceGetName");
    if (NvmlReturn rc = api.init(); rc != kNvmlSuccess) {
        return fmt::format("nvmlInit_v2 failed: {}", error_text(api, rc));
    }
    auto result = query_devices(api);
    api.shutdown();
    return result;
}

} // namespace cudapkgs::cdi::detail
