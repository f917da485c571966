// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"
#include "context.hpp"
#include "output.hpp"

#include <fmt/ranges.h>

namespace cudapkgs::cli {

RunFn setup_flags(CLI::App& cmd, Session& session) {
    const GlobalOptions& global = session.global();
    auto setpath = std::make_shared<std::string>("cudaPackages");
    cmd.add_option("SETPATH", *setpath, "Package set (default: cudaPackages)");
    return [setpath, &global, &session] {
        auto& ctx = session.eval();
        const auto& set = ctx.evaluator->resolve_set(*setpath);
        auto flags = set.flags();
        if (global.json) {
            print_json(flags.to_json());
            return 0;
        }
        print_line(fmt::format("set:                          {} (CUDA {})", set.name(),
                               set.definition().cuda.str()));
        print_line(
            fmt::format("capabilities:                 {}", fmt::join(flags.capabilities, " ")));
        print_line(fmt::format("forwardCompat:                {}", flags.forward_compat));
        print_line(fmt::format("gencodeString:                {}", flags.gencode_string));
        print_line(
            fmt::format("realArches:                   {}", fmt::join(flags.real_arches, " ")));
        print_line(
            fmt::format("virtualArches:                {}", fmt::join(flags.virtual_arches, " ")));
        print_line(fmt::format("arches:                       {}", fmt::join(flags.arches, " ")));
        print_line(
            fmt::format("archNames:                    {}", fmt::join(flags.arch_names, " ")));
        print_line(fmt::format("cmakeCudaArchitecturesString: {}", flags.cmake_cuda_architectures));
        return 0;
    };
}

} // namespace cudapkgs::cli
