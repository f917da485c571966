// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/toolchain/driver.hpp>

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>

namespace cudapkgs::toolchain {

std::string format_driver_version(int version) {
    return fmt::format("{}.{}", version / 1000, (version % 1000) / 10);
}

DriverInfo probe_driver() {
    DriverInfo info;
    if (const char* o = std::getenv("CUDAPKGS_OVERRIDE_DRIVER"); o != nullptr && *o != '\0') {
        info.cuda_version = o;
        info.source = "override";
        return info;
    }
    info.source = "none";
    void* handle = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* why = ::dlerror();
        info.message = fmt::format("libcuda.so.1 cannot be loaded: {}", why ? why : "not found");
        return info;
    }
    using GetVersion = int (*)(int*);
    void* symbol = ::dlsym(handle, "cuDriverGetVersion");
    if (symbol == nullptr) {
        info.message = "libcuda.so.1 has no cuDriverGetVersion";
        ::dlclose(handle);
        return info;
    }
    // POSIX guarantees a data pointer from dlsym converts to a function pointer.
    GetVersion get_version = nullptr;
    static_assert(sizeof(get_version) == sizeof(symbol));
    std::memcpy(&get_version, &symbol, sizeof(symbol));
    int version = 0;
    int rc = get_version(&version);
    ::dlclose(handle);
    if (rc != 0 || version <= 0) {
        info.message = fmt::format("cuDriverGetVersion failed (CUresult {})", rc);
        return info;
    }
    info.cuda_version = format_driver_version(version);
    info.source = "libcuda.so.1";
    return info;
}

} // namespace cudapkgs::toolchain
