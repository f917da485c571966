// SPDX-License-Identifier: Apache-2.0
// Feeds arbitrary bytes to the unpacker as a (possibly compressed) tar archive, extracting
// into a temporary directory with a small byte bound. Error{Integrity} is an accepted
// outcome; crashes, sanitizer reports, other errors and files outside the directory are not.
#include <cudapkgs/unpack/unpacker.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace {

const std::filesystem::path& work_dir() {
    static const cudapkgs::util::ScopedTempDir dir({}, "cudapkgs-tar-fuzz-");
    return dir.path();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace fs = std::filesystem;
    const fs::path root = work_dir() / "out";
    std::error_code ec;
    fs::remove_all(root, ec);
    cudapkgs::unpack::Options options;
    options.roots = {root};
    options.max_unpacked_bytes = 1 << 20;
    options.max_entries = 1000;
    options.start_writeback = false;
    options.strip_top_directory = size > 0 && (data[0] & 1) != 0;
    bool served = false;
    cudapkgs::unpack::ReadFn read = [&]() -> std::span<const std::byte> {
        if (served) {
            return {};
        }
        served = true;
        return {reinterpret_cast<const std::byte*>(data), size};
    };
    try {
        cudapkgs::unpack::unpack_stream("fuzz-input", read, cudapkgs::unpack::route_into(root),
                                        options);
    } catch (const cudapkgs::Error& e) {
        // Refusing the input is fine, but only as an integrity error: a hostile archive must
        // not look like a bug (exit 1) or a local I/O failure.
        if (e.kind() != cudapkgs::ErrorKind::Integrity) {
            std::fprintf(stderr, "non-integrity error: %s\n", e.what());
            std::abort();
        }
    }
    // Nothing may appear beside the output directory.
    for (const auto& entry : fs::directory_iterator(work_dir())) {
        if (entry.path() != root) {
            std::abort();
        }
    }
    return 0;
}
