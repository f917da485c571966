// SPDX-License-Identifier: Apache-2.0
// `cudapkgs build-source RECIPE --toolkit-part DIR... --out PREFIX`: one source package built
// against an explicit toolkit, outside the store (hidden; the toolchain module's face for
// tests and benchmarks; documented in docs/commands/build-source.md).
#include "commands.hpp"
#include "output.hpp"

#include <cudapkgs/capabilities/capabilities.hpp>
#include <cudapkgs/pkgset/recipe.hpp>
#include <cudapkgs/toolchain/source_build.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <memory>
#include <optional>

namespace cudapkgs::cli {

namespace {

namespace fs = std::filesystem;

struct BuildSourceArgs {
    std::string recipe;
    std::string toolkit;
    std::vector<std::string> toolkit_parts;
    std::string out;
    std::string build_dir;
    std::vector<std::string> capabilities;
    bool forward_compat = true;
    bool allow_unsupported = false;
    std::string cuda_version;
};

std::vector<std::string> split_capabilities(const std::vector<std::string>& raw) {
    std::vector<std::string> out;
    for (const auto& item : raw) {
        std::size_t start = 0;
        while (start <= item.size()) {
            std::size_t end = item.find_first_of(", ;", start);
            end = end == std::string::npos ? item.size() : end;
            if (end > start) {
                out.push_back(item.substr(start, end - start));
            }
            start = end + 1;
        }
    }
    return out;
}

fs::path prepare_toolkit(const BuildSourceArgs& args, const fs::path& build_dir) {
    if (!args.toolkit.empty()) {
        return fs::absolute(args.toolkit);
    }
    if (args.toolkit_parts.empty()) {
        fail(ErrorKind::Usage, "give --toolkit DIR or at least one --toolkit-part DIR");
    }
    std::vector<fs::path> roots(args.toolkit_parts.begin(), args.toolkit_parts.end());
    fs::path dest = build_dir / "toolkit";
    toolchain::make_merged_toolkit(roots, dest, [](std::string_view line) {
        std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
    });
    return dest;
}

nlohmann::json run_build(const BuildSourceArgs& args, const fs::path& build_dir) {
    const auto recipe = pkgset::load_source_recipe(args.recipe);
    if (recipe.src_path.empty()) {
        fail(ErrorKind::InvalidInput, "build-source builds recipes with a local 'src.path' only");
    }
    toolchain::SourceBuild build;
    build.kind = recipe.kind;
    build.source_dir = recipe.src_path;
    build.build_dir = build_dir;
    build.install_prefix = fs::absolute(args.out);
    build.toolkit_root = prepare_toolkit(args, build_dir);
    const auto cuda = args.cuda_version.empty() ? toolchain::detect_nvcc_version(build.toolkit_root)
                                                : version::Version::parse(args.cuda_version);
    build.host_compiler = toolchain::check_host_compiler(toolchain::detect_host_compiler(), cuda,
                                                         args.allow_unsupported);
    const auto& table = capabilities::CapabilityTable::builtin();
    auto caps = split_capabilities(args.capabilities);
    if (caps.empty()) {
        caps = table.defaults_for(cuda);
    }
    capabilities::validate(table, caps, cuda, "x86_64-linux", "build-source");
    const auto flags = capabilities::format_flags(table, caps, args.forward_compat);
    build.gencode = flags.gencode;
    build.cmake_architectures = toolchain::cmake_architectures(flags);
    build.sources = recipe.sources;
    build.link_libs = recipe.link;
    build.output_name = recipe.output_name;
    build.extra_flags = recipe.extra_flags;
    build.log_file = fs::absolute(args.out + ".log");
    const auto outcome = toolchain::build_source(build);
    return {{"pname", recipe.pname},
            {"out", build.install_prefix.string()},
            {"log", outcome.log_file.string()},
            {"toolkit", build.toolkit_root.string()},
            {"cudaVersion", cuda.prefix(2)},
            {"hostCompiler", build.host_compiler},
            {"capabilities", caps},
            {"gencode", build.gencode},
            {"cmakeArchitectures", build.cmake_architectures},
            {"commands", outcome.commands},
            {"seconds", outcome.seconds}};
}

} // namespace

RunFn setup_build_source(CLI::App& cmd, Session& session) {
    const GlobalOptions& global = session.global();
    auto args = std::make_shared<BuildSourceArgs>();
    cmd.add_option("RECIPE", args->recipe, "A package directory or its package.json")->required();
    cmd.add_option("--toolkit", args->toolkit,
                   "An existing merged toolkit (bin/nvcc, include, lib)");
    cmd.add_option("--toolkit-part", args->toolkit_parts,
                   "A package output to merge into the toolkit view (repeatable, first wins)");
    cmd.add_option("-o,--out", args->out, "Install prefix of the result")->required();
    cmd.add_option("--build-dir", args->build_dir, "Scratch directory (default: a temporary one)");
    cmd.add_option("--capabilities", args->capabilities,
                   "Capabilities, e.g. 8.6,9.0 (default: the CUDA version's defaults)");
    cmd.add_option("--forward-compat", args->forward_compat,
                   "Also embed PTX for the last capability (default true)");
    cmd.add_flag("--allow-unsupported-compiler", args->allow_unsupported,
                 "Build with a host compiler outside nvcc's supported range");
    cmd.add_option("--cuda-version", args->cuda_version,
                   "CUDA major.minor of the toolkit (default: asked from nvcc --version)");
    return [args, &global] {
        std::optional<util::ScopedTempDir> temp;
        fs::path build_dir;
        if (args->build_dir.empty()) {
            temp.emplace(fs::path{}, "cudapkgs-build-");
            build_dir = temp->path();
        } else {
            build_dir = fs::absolute(args->build_dir);
            fs::create_directories(build_dir);
        }
        auto result = run_build(*args, build_dir);
        if (global.json) {
            print_json(result);
        } else {
            print_line(result["out"].get<std::string>());
        }
        return 0;
    };
}

} // namespace cudapkgs::cli
