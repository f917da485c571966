// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/toolchain/process.hpp>
#include <cudapkgs/toolchain/source_build.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>

namespace cudapkgs::toolchain {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kLogLinesInError = 30;
constexpr const char* kSystemPath = "/usr/bin:/bin";

fs::path log_file_of(const SourceBuild& build) {
    return build.log_file.empty() ? build.build_dir / "build.log" : build.log_file;
}

std::string nvcc_of(const SourceBuild& build) {
    return (build.toolkit_root / "bin/nvcc").string();
}

std::vector<std::string> nvcc_command(const SourceBuild& build) {
    std::vector<std::string> argv{nvcc_of(build), "-ccbin", build.host_compiler, "-O2"};
    argv.insert(argv.end(), build.gencode.begin(), build.gencode.end());
    for (const auto& dir : build.include_dirs) {
        argv.push_back("-I" + dir.string());
    }
    argv.insert(argv.end(), build.extra_flags.begin(), build.extra_flags.end());
    for (const auto& source : build.sources) {
        argv.push_back((build.source_dir / source).string());
    }
    argv.push_back("-o");
    argv.push_back((build.build_dir / build.output_name).string());
    for (const auto& dir : build.lib_dirs) {
        argv.push_back("-L" + dir.string());
    }
    // The shared runtime: the result's NEEDED then names libcudart.so.N from cuda_cudart, whose
    // RUNPATH the builder patches afterwards (no -rpath here on purpose).
    argv.insert(argv.end(), {"-cudart", "shared"});
    for (const auto& lib : build.link_libs) {
        argv.push_back("-l" + lib);
    }
    return argv;
}

std::vector<std::vector<std::string>> cmake_commands(const SourceBuild& build) {
    const fs::path binary_dir = build.build_dir / "cmake-build";
    std::vector<std::string> configure{"cmake", "-S", build.source_dir.string(), "-B",
                                       binary_dir.string()};
    if (find_executable("ninja", kSystemPath)) {
        configure.insert(configure.end(), {"-G", "Ninja"});
    }
    const std::string root = build.toolkit_root.string();
    configure.insert(configure.end(),
                     {"-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_CUDA_COMPILER=" + nvcc_of(build),
                      "-DCUDAToolkit_ROOT=" + root,
                      "-DCMAKE_CUDA_ARCHITECTURES=" + build.cmake_architectures,
                      "-DCMAKE_CUDA_HOST_COMPILER=" + build.host_compiler,
                      "-DCMAKE_CXX_COMPILER=" + build.host_compiler,
                      "-DCMAKE_INSTALL_PREFIX=" + build.install_prefix.string(),
                      "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF"});
    configure.insert(configure.end(), build.extra_flags.begin(), build.extra_flags.end());
    return {configure,
            {"cmake", "--build", binary_dir.string()},
            {"cmake", "--install", binary_dir.string()}};
}

void check_inputs(const SourceBuild& build) {
    if (!fs::exists(build.toolkit_root / "bin/nvcc")) {
        fail(ErrorKind::BuildFailed, "the merged toolkit {} has no bin/nvcc",
             build.toolkit_root.string());
    }
    if (build.host_compiler.empty()) {
        fail(ErrorKind::InvalidInput, "no host compiler given for the source build");
    }
    if (build.kind == BuildKind::Nvcc && (build.sources.empty() || build.output_name.empty())) {
        fail(ErrorKind::InvalidInput, "an nvcc build needs sources and an output name");
    }
    if (build.kind == BuildKind::Cmake && build.cmake_architectures.empty()) {
        fail(ErrorKind::InvalidInput, "a cmake build needs CMAKE_CUDA_ARCHITECTURES");
    }
}

[[noreturn]] void step_failed(const std::vector<std::string>& argv, const std::string& why,
                              const fs::path& log_file) {
    Error error(ErrorKind::BuildFailed, fmt::format("build step '{}' failed ({})",
                                                    fs::path(argv[0]).filename().string(), why));
    error.add_note("command: " + quote_command(argv));
    std::string text;
    try {
        text = util::read_file(log_file);
    } catch (const Error&) {
    }
    for (auto& line : last_lines(text, kLogLinesInError)) {
        error.add_note(std::move(line));
    }
    error.add_note("full log: " + log_file.string());
    throw error;
}

void append_log(const fs::path& log_file, const std::string& line) {
    std::ofstream out(log_file, std::ios::app);
    out << line << '\n';
}

void install_nvcc_output(const SourceBuild& build) {
    fs::path bin = build.install_prefix / "bin";
    fs::create_directories(bin);
    fs::copy_file(build.build_dir / build.output_name, bin / build.output_name,
                  fs::copy_options::overwrite_existing);
}

} // namespace

std::vector<std::string> clean_environment(const SourceBuild& build) {
    std::vector<std::string> env{
        "PATH=" + (build.toolkit_root / "bin").string() + ":" + kSystemPath,
        "HOME=" + build.build_dir.string(),
        "TMPDIR=" + (build.build_dir / "tmp").string(),
        "LANG=C",
        "LC_ALL=C",
    };
    for (const auto& entry : build.extra_env) {
        auto eq = entry.find('=');
        if (eq == std::string::npos || eq == 0) {
            fail(ErrorKind::InvalidInput, "bad build environment entry '{}' (want NAME=value)",
                 entry);
        }
        env_set(env, std::string_view(entry).substr(0, eq), std::string_view(entry).substr(eq + 1));
    }
    return env;
}

std::vector<std::vector<std::string>> build_commands(const SourceBuild& build) {
    if (build.kind == BuildKind::Nvcc) {
        return {nvcc_command(build)};
    }
    return cmake_commands(build);
}

BuildOutcome build_source(const SourceBuild& build, const LogSink& log, ProcessRunner& runner) {
    check_inputs(build);
    BuildOutcome outcome;
    outcome.log_file = log_file_of(build);
    outcome.commands = build_commands(build);
    const auto env = clean_environment(build);
    const auto start = std::chrono::steady_clock::now();
    fs::create_directories(build.build_dir / "tmp");
    fs::create_directories(outcome.log_file.parent_path());
    for (const auto& argv : outcome.commands) {
        const std::string shown = quote_command(argv);
        append_log(outcome.log_file, "$ " + shown);
        if (log) {
            log(shown);
        }
        ProcessSpec spec{argv, env, build.build_dir, outcome.log_file};
        ProcessResult result;
        try {
            result = runner.run(spec);
        } catch (Error& e) {
            e.add_note("while building " + build.source_dir.string());
            throw;
        }
        if (!result.ok()) {
            step_failed(argv, result.describe(), outcome.log_file);
        }
    }
    if (build.kind == BuildKind::Nvcc) {
        install_nvcc_output(build);
    }
    outcome.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return outcome;
}

std::string cmake_architectures(const capabilities::Flags& flags) {
    std::string out;
    for (std::size_t i = 0; i < flags.capabilities.size(); ++i) {
        if (!out.empty()) {
            out += ';';
        }
        out += capabilities::drop_dots(flags.capabilities[i]);
        const bool last = i + 1 == flags.capabilities.size();
        if (!(last && flags.forward_compat)) {
            out += "-real";
        }
    }
    return out;
}

version::Version detect_nvcc_version(const fs::path& toolkit_root) {
    SourceBuild probe;
    probe.toolkit_root = toolkit_root;
    probe.build_dir = fs::temp_directory_path();
    ProcessSpec spec{{nvcc_of(probe), "--version"}, clean_environment(probe), {}, {}, 60};
    ProcessResult result = run_process(spec);
    static const std::regex kRelease(R"(release (\d+\.\d+))");
    std::smatch m;
    if (!result.ok() || !std::regex_search(result.output, m, kRelease)) {
        Error error(ErrorKind::BuildFailed,
                    fmt::format("cannot read the CUDA version of {}", nvcc_of(probe)));
        for (auto& line : last_lines(result.output, kLogLinesInError)) {
            error.add_note(std::move(line));
        }
        throw error;
    }
    return version::Version::parse(m[1].str());
}

std::string check_host_compiler(const std::optional<HostCompiler>& compiler,
                                const version::Version& cuda, bool allow_unsupported) {
    if (!compiler) {
        Error error(ErrorKind::InvalidInput, "no C++ host compiler found for nvcc");
        error.add_note("install g++ or clang++, or set CUDAHOSTCXX to a compiler's path");
        throw error;
    }
    const char* path_env = std::getenv("PATH");
    auto found = find_executable(compiler->path, path_env != nullptr ? path_env : kSystemPath);
    if (!found) {
        fail(ErrorKind::InvalidInput, "host compiler '{}' is not an executable", compiler->path);
    }
    const std::string path = fs::absolute(*found).lexically_normal().string();
    auto compat = find_nvcc_compat(cuda);
    const std::optional<CompilerRange> range =
        compat ? compat->range_for(compiler->family) : std::nullopt;
    if (range && range->min <= compiler->major && compiler->major <= range->max) {
        return path;
    }
    if (allow_unsupported) {
        return path;
    }
    Error error(ErrorKind::InvalidInput,
                range ? fmt::format("host compiler {} {} ({}) is not supported by nvcc {}: it "
                                    "accepts {} {} to {}",
                                    compiler->family, compiler->version, path, cuda.prefix(2),
                                    compiler->family, range->min, range->max)
                      : fmt::format("host compiler {} {} ({}): no supported {} range is known "
                                    "for nvcc {}",
                                    compiler->family, compiler->version, path, compiler->family,
                                    cuda.prefix(2)));
    error.add_note("pick another compiler with CUDAHOSTCXX, or build anyway with "
                   "--option allowUnsupportedCompiler true");
    throw error;
}

} // namespace cudapkgs::toolchain
