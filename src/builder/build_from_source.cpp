// SPDX-License-Identifier: Apache-2.0
#include "build_from_source.hpp"

#include <cudapkgs/pkgset/recipe.hpp>
#include <cudapkgs/toolchain/host_compiler.hpp>
#include <cudapkgs/toolchain/merged_toolkit.hpp>
#include <cudapkgs/toolchain/source_build.hpp>

namespace cudapkgs::builder {

namespace fs = std::filesystem;

void build_from_source(const InstallContext& ctx, const Staging& staging, const fs::path& work) {
    const auto& recipe = *ctx.package->recipe;
    std::vector<fs::path> roots;
    for (const auto& dep : ctx.dependencies) {
        for (const auto& [output, path] : dep.outputs) {
            roots.push_back(path);
        }
    }
    const fs::path toolkit = work / "toolkit";
    toolchain::make_merged_toolkit(roots, toolkit);
    const auto& cuda = ctx.set->definition().cuda_major_minor;
    const auto flags = ctx.set->flags();
    toolchain::SourceBuild build;
    build.kind = recipe.kind;
    build.source_dir = recipe.src_path;
    build.build_dir = work / "build";
    build.install_prefix = staging.dir("out");
    build.toolkit_root = toolkit;
    build.host_compiler = toolchain::check_host_compiler(
        toolchain::detect_host_compiler(*ctx.runner), cuda, ctx.allow_unsupported_compiler);
    build.gencode = flags.gencode;
    build.cmake_architectures = toolchain::cmake_architectures(flags);
    build.link_libs = recipe.link;
    build.sources = recipe.sources;
    build.output_name = recipe.output_name.empty() ? recipe.pname : recipe.output_name;
    build.extra_flags = recipe.extra_flags;
    build.log_file = work / "build.log";
    fs::create_directories(build.build_dir);
    toolchain::build_source(build, {}, *ctx.runner);
}

} // namespace cudapkgs::builder
