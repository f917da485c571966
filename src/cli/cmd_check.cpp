// SPDX-License-Identifier: Apache-2.0
// `cudapkgs check PATH...`: every DT_NEEDED of every ELF file resolves (exit 0) or not (exit 3).
#include "commands.hpp"
#include "output.hpp"

#include <cudapkgs/elf/check.hpp>

#include <fmt/format.h>

#include <memory>

namespace cudapkgs::cli {

namespace {

struct CheckArgs {
    std::vector<std::string> paths;
    std::string root;
    std::string ld_cache = "/etc/ld.so.cache";
};

nlohmann::json check_json(const elf::FileCheck& c) {
    nlohmann::json needed = nlohmann::json::array();
    for (const auto& n : c.needed) {
        nlohmann::json j{{"soname", n.soname}, {"status", elf::to_string(n.status)}};
        if (n.status == elf::NeededStatus::Found) {
            j["path"] = n.path;
            j["via"] = n.via;
        }
        needed.push_back(std::move(j));
    }
    auto opt = [](const std::optional<std::string>& v) {
        return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
    };
    return {{"path", c.info.path},
            {"ok", c.ok()},
            {"machine", c.info.machine},
            {"soname", opt(c.info.soname)},
            {"runpath", opt(c.info.runpath)},
            {"rpath", opt(c.info.rpath)},
            {"needed", needed},
            {"sm", c.info.sm_architectures},
            {"escaping_paths", c.escaping_paths}};
}

void print_text(const elf::FileCheck& c, bool quiet) {
    if (c.ok() && quiet) {
        return;
    }
    print_line(fmt::format("{}: {}", c.info.path, c.ok() ? "ok" : "FAILED"));
    for (const auto& n : c.needed) {
        if (n.status == elf::NeededStatus::Found) {
            print_line(fmt::format("  {} => {} ({})", n.soname, n.path, n.via));
        } else {
            print_line(fmt::format("  {} => {}", n.soname, elf::to_string(n.status)));
        }
    }
    for (const auto& d : c.escaping_paths) {
        print_line(fmt::format("  search path escapes the root: {}", d));
    }
}

} // namespace

RunFn setup_check(CLI::App& cmd, Session& session) {
    const GlobalOptions& global = session.global();
    auto args = std::make_shared<CheckArgs>();
    cmd.add_option("PATH", args->paths, "ELF files or directories (walked)")->required();
    cmd.add_option("--root", args->root,
                   "Also fail when a RUNPATH/RPATH directory lies outside this directory");
    cmd.add_option("--ld-cache", args->ld_cache, "The loader cache to consult")
        ->capture_default_str();
    return [args, &global]() {
        std::vector<std::filesystem::path> inputs(args->paths.begin(), args->paths.end());
        auto files = elf::collect_elf_files(inputs);
        auto system = elf::SystemSearch::load(args->ld_cache);
        std::optional<std::filesystem::path> root;
        if (!args->root.empty()) {
            root = args->root;
        }
        nlohmann::json all = nlohmann::json::array();
        std::size_t failed = 0;
        for (const auto& f : files) {
            auto result = elf::check_elf(elf::load_elf_info(f), system, root);
            failed += result.ok() ? 0 : 1;
            global.json ? all.push_back(check_json(result)) : print_text(result, global.quiet);
        }
        if (global.json) {
            print_json(all);
        } else if (!global.quiet) {
            print_line(fmt::format("{} ELF files checked, {} with unresolved libraries",
                                   files.size(), failed));
        }
        return failed == 0 ? 0 : 3;
    };
}

} // namespace cudapkgs::cli
