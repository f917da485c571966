// SPDX-License-Identifier: Apache-2.0
#include "build_support.hpp"
#include "commands.hpp"
#include "output.hpp"

#include <cudapkgs/pkgset/plan.hpp>
#include <cudapkgs/toolchain/merged_toolkit.hpp>
#include <cudapkgs/toolchain/source_build.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>
#include <cudapkgs/util/hash.hpp>

#include <fstream>
#include <unistd.h>

namespace cudapkgs::cli {

namespace fs = std::filesystem;

namespace {

struct EnvArgs {
    std::vector<std::string> attrpaths;
    std::string format = "sh";
    std::string output;
    bool ld_library_path = false;
};

/// Every package the targets need, dependencies first (pkgset::closure()).
std::vector<builder::Target> closure(const std::vector<builder::Target>& targets) {
    std::vector<pkgset::ResolvedPackage> wanted;
    for (const auto& t : targets) {
        wanted.push_back({t.set, t.package, t.attrpath});
    }
    std::vector<builder::Target> out;
    for (auto& item : pkgset::closure(wanted)) {
        out.push_back({item.set, item.package, std::move(item.attrpath)});
    }
    return out;
}

/// A merged view of `roots` under `<store>/.cudapkgs/views/`, made once and atomically.
fs::path toolkit_view(const fs::path& store, std::vector<fs::path> roots) {
    std::sort(roots.begin(), roots.end());
    std::string key;
    for (const auto& r : roots) {
        key += r.filename().string() + "\n";
    }
    const fs::path views = store / ".cudapkgs" / "views";
    const fs::path view = views / util::sha256_hex(key).substr(0, 32);
    if (fs::is_directory(view / "bin")) {
        return view;
    }
    fs::create_directories(views);
    // Made beside the final view (same depth, so its relative links stay valid), then renamed.
    const fs::path sibling =
        views / (".new-" + view.filename().string() + "-" + std::to_string(::getpid()));
    fs::remove_all(sibling);
    toolchain::make_merged_toolkit(roots, sibling);
    std::error_code ec;
    fs::rename(sibling, view, ec);
    if (ec) {
        fs::remove_all(sibling);
    }
    return view;
}

std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

} // namespace

RunFn setup_env(CLI::App& cmd, Session& session) {
    const GlobalOptions& global = session.global();
    auto args = std::make_shared<EnvArgs>();
    cmd.add_option("ATTRPATH", args->attrpaths, "Packages to put in the environment")->required();
    cmd.add_option("--format", args->format, "sh, fish, github, cmake or json")
        ->check(CLI::IsMember({"sh", "fish", "github", "cmake", "json"}));
    cmd.add_option("-o,--output", args->output,
                   "Write to FILE instead of stdout (cmake: the "
                   "toolchain file)");
    cmd.add_flag("--ld-library-path", args->ld_library_path, "Also set LD_LIBRARY_PATH");
    return [args, &global, &session] {
        BuildSession build(session, args->attrpaths, "auto");
        auto targets = build.targets(args->attrpaths);
        auto built = build.builder->build(closure(targets));
        std::vector<fs::path> roots;
        for (const auto& b : built) {
            for (const auto& [output, path] : b.outputs) {
                roots.push_back(path);
            }
        }
        const fs::path view = toolkit_view(build.store.root(), roots);
        const auto& set = *targets.front().set;
        std::vector<std::pair<std::string, std::string>> vars = {
            {"CUDA_HOME", view.string()},
            {"CUDA_PATH", view.string()},
            {"CUDAToolkit_ROOT", view.string()},
            {"CUDAARCHS", toolchain::cmake_architectures(set.flags())}};
        if (const auto& hc = detected_host_compiler()) {
            vars.emplace_back("CUDAHOSTCXX", toolchain::check_host_compiler(
                                                 hc, set.definition().cuda_major_minor,
                                                 build.eval.config.allow_unsupported_compiler));
        }
        std::vector<std::pair<std::string, std::string>> paths = {
            {"PATH", (view / "bin").string()},
            {"CMAKE_PREFIX_PATH", view.string()},
            {"PKG_CONFIG_PATH", (view / "lib" / "pkgconfig").string() + ":" +
                                    (view / "share" / "pkgconfig").string()}};
        if (args->ld_library_path) {
            paths.emplace_back("LD_LIBRARY_PATH", (view / "lib").string());
        }
        std::string text;
        nlohmann::json json = {{"view", view.string()}};
        for (const auto& [k, v] : vars) {
            json["variables"][k] = v;
            if (args->format == "sh") {
                text += fmt::format("export {}={}\n", k, quote(v));
            } else if (args->format == "fish") {
                text += fmt::format("set -gx {} {}\n", k, quote(v));
            } else if (args->format == "github") {
                text += fmt::format("{}={}\n", k, v);
            } else if (args->format == "cmake") {
                text += fmt::format("set({} \"{}\" CACHE STRING \"\")\n", k, v);
            }
        }
        for (const auto& [k, v] : paths) {
            json["prepend"][k] = v;
            if (args->format == "sh") {
                text += fmt::format("export {0}={1}${{{0}:+:${0}}}\n", k, quote(v));
            } else if (args->format == "fish") {
                text += fmt::format("set -gx {} {} ${}\n", k, quote(v), k);
            }
        }
        if (args->format == "cmake") {
            text += fmt::format("set(CMAKE_CUDA_COMPILER \"{}/bin/nvcc\" CACHE FILEPATH \"\")\n"
                                "set(CMAKE_CUDA_ARCHITECTURES \"{}\" CACHE STRING \"\")\n"
                                "list(PREPEND CMAKE_PREFIX_PATH \"{}\")\n",
                                view.string(), toolchain::cmake_architectures(set.flags()),
                                view.string());
            for (const auto& [k, v] : vars) {
                if (k == "CUDAHOSTCXX") {
                    text += fmt::format(
                        "set(CMAKE_CUDA_HOST_COMPILER \"{}\" CACHE FILEPATH \"\")\n", v);
                }
            }
        }
        if (args->format == "github") {
            // Appended to the files GitHub Actions reads, when they are set.
            const char* env_file = std::getenv("GITHUB_ENV");
            const char* path_file = std::getenv("GITHUB_PATH");
            if (env_file != nullptr && path_file != nullptr) {
                std::ofstream(env_file, std::ios::app) << text;
                std::ofstream(path_file, std::ios::app) << (view / "bin").string() << "\n";
                return 0;
            }
            text += "PATH=" + (view / "bin").string() + ":$PATH\n";
        }
        if (args->format == "json" || global.json) {
            text = json.dump(2) + "\n";
        }
        if (!args->output.empty()) {
            util::write_file_atomic(args->output, text);
        } else {
            std::fwrite(text.data(), 1, text.size(), stdout);
        }
        return 0;
    };
}

} // namespace cudapkgs::cli
