// SPDX-License-Identifier: Apache-2.0
// unpack_bench ARCHIVE OUTDIR [file|stream] [threads|libarchive]: extracts ARCHIVE into
// OUTDIR (which must not exist) with cudapkgs::unpack and prints one line: seconds, MB/s of
// unpacked data, peak RSS. "stream" feeds the archive through a read callback in 1 MiB
// chunks, as a download would; "libarchive" decodes xz with libarchive's own filter instead
// of liblzma's threaded decoder.
#include <cudapkgs/unpack/unpacker.hpp>
#include <cudapkgs/util/error.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <sys/resource.h>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: unpack_bench ARCHIVE OUTDIR [file|stream]\n");
        return 2;
    }
    const std::filesystem::path archive = argv[1];
    const std::filesystem::path out = argv[2];
    const std::string mode = argc > 3 ? argv[3] : "file";
    cudapkgs::unpack::Options options;
    options.roots = {out};
    options.threaded_xz = !(argc > 4 && std::string(argv[4]) == "libarchive");
    try {
        auto start = std::chrono::steady_clock::now();
        cudapkgs::unpack::Result result;
        if (mode == "stream") {
            std::ifstream in(archive, std::ios::binary);
            std::vector<char> buffer(1 << 20);
            cudapkgs::unpack::ReadFn read = [&]() -> std::span<const std::byte> {
                in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
                return {reinterpret_cast<const std::byte*>(buffer.data()),
                        static_cast<std::size_t>(in.gcount())};
            };
            result = cudapkgs::unpack::unpack_stream(archive.string(), read,
                                                     cudapkgs::unpack::route_into(out), options);
        } else {
            result =
                cudapkgs::unpack::unpack_file(archive, cudapkgs::unpack::route_into(out), options);
        }
        std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        std::printf("seconds=%.3f bytes=%llu MBps=%.1f peak_rss_kb=%ld\n", took.count(),
                    static_cast<unsigned long long>(result.bytes),
                    static_cast<double>(result.bytes) / 1e6 / took.count(), usage.ru_maxrss);
    } catch (const cudapkgs::Error& e) {
        std::fprintf(stderr, "unpack_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
