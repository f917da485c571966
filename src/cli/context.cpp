// SPDX-License-Identifier: Apache-2.0
#include "context.hpp"

#include "session.hpp"

#include <cudapkgs/pkgset/recipe.hpp>
#include <cudapkgs/store/tree_hash.hpp>
#include <cudapkgs/toolchain/host_compiler.hpp>
#include <cudapkgs/util/error.hpp>

#include <cstdlib>
#include <sys/utsname.h>
#include <unistd.h>

namespace cudapkgs::cli {

namespace fs = std::filesystem;

namespace {

std::string env_or(const char* name, std::string fallback = {}) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

std::vector<std::string> split_any(const std::string& text, std::string_view separators) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find_first_of(separators, start);
        if (end == std::string::npos) {
            end = text.size();
        }
        if (end > start) {
            out.push_back(text.substr(start, end - start));
        }
        start = end + 1;
    }
    return out;
}

fs::path executable_dir() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : exe.parent_path();
}

} // namespace

std::vector<fs::path> manifest_dirs(const GlobalOptions& global) {
    std::vector<fs::path> dirs;
    if (!global.manifests.empty()) {
        dirs.assign(global.manifests.begin(), global.manifests.end());
        return dirs;
    }
    if (auto env = env_or("CUDAPKGS_MANIFESTS"); !env.empty()) {
        for (auto& d : split_any(env, ":")) {
            dirs.emplace_back(d);
        }
        return dirs;
    }
    fs::path installed = executable_dir() / ".." / "share" / "cudapkgs" / "manifests";
    std::error_code ec;
    if (fs::is_directory(installed, ec)) {
        return {installed.lexically_normal()};
    }
    return {fs::path(CUDAPKGS_SOURCE_DIR) / "manifests"};
}

std::vector<fs::path> fixup_dirs(const GlobalOptions& global) {
    if (!global.fixups.empty()) {
        return {global.fixups.begin(), global.fixups.end()};
    }
    fs::path installed = executable_dir() / ".." / "share" / "cudapkgs" / "fixups";
    std::error_code ec;
    if (fs::is_directory(installed, ec)) {
        return {installed.lexically_normal()};
    }
    return {fs::path(CUDAPKGS_SOURCE_DIR) / "fixups"};
}

fs::path packages_dir() {
    fs::path installed = executable_dir() / ".." / "share" / "cudapkgs" / "packages";
    std::error_code ec;
    if (fs::is_directory(installed, ec)) {
        return installed.lexically_normal();
    }
    return fs::path(CUDAPKGS_SOURCE_DIR) / "packages";
}

const std::optional<toolchain::HostCompiler>& detected_host_compiler() {
    static const auto detected = toolchain::detect_host_compiler();
    return detected;
}

std::string store_dir(const GlobalOptions& global) {
    std::string dir = global.store;
    if (dir.empty()) {
        dir = env_or("CUDAPKGS_STORE");
    }
    if (dir.empty()) {
        std::string cache = env_or("XDG_CACHE_HOME", env_or("HOME", "/tmp") + "/.cache");
        dir = cache + "/cudapkgs/store";
    }
    return fs::absolute(dir).lexically_normal().string();
}

std::string system_of(const GlobalOptions& global) {
    if (!global.system.empty()) {
        return global.system;
    }
    struct utsname u {};
    ::uname(&u);
    std::string machine = u.machine;
    if (machine == "arm64") {
        machine = "aarch64";
    }
    return machine + "-linux";
}

std::vector<std::string> mirrors_of(const GlobalOptions& global) {
    std::vector<std::string> mirrors = global.mirrors;
    if (mirrors.empty()) {
        mirrors = split_any(env_or("CUDAPKGS_MIRRORS"), " ,");
    }
    for (auto& m : mirrors) {
        while (m.size() > 1 && m.back() == '/') {
            m.pop_back();
        }
    }
    return mirrors;
}

config::Config load_config(const GlobalOptions& global) {
    config::ConfigSources sources;
    if (!global.config.empty()) {
        sources.file = global.config;
    } else if (auto env = env_or("CUDAPKGS_CONFIG"); !env.empty()) {
        sources.file = env;
    } else {
        std::string base = env_or("XDG_CONFIG_HOME", env_or("HOME", "/nonexistent") + "/.config");
        sources.default_file = base + "/cudapkgs/config.json";
    }
    sources.env_allow_unfree = env_or("CUDAPKGS_ALLOW_UNFREE") == "1";
    sources.options = global.options;
    return config::load_config(sources);
}

bool frozen_requested(const GlobalOptions& global) {
    return global.frozen || env_or("CUDAPKGS_FROZEN") == "1";
}

std::string lock_file_of(const GlobalOptions& global) {
    return global.lock_file.empty() ? std::string("cudapkgs.lock") : global.lock_file;
}

EvalContext make_eval_context(const GlobalOptions& global) {
    EvalContext ctx;
    ctx.frozen = frozen_requested(global);
    ctx.lock_file = lock_file_of(global);
    ctx.config = load_config(global);
    ctx.system = system_of(global);
    ctx.store_dir = store_dir(global);
    ctx.mirrors = mirrors_of(global);
    ctx.catalog =
        std::make_unique<pkgset::Catalog>(manifest::load_manifest_dirs(manifest_dirs(global)),
                                          fixups::FixupSet::load(fixup_dirs(global)));
    for (auto& recipe : pkgset::load_source_recipes(packages_dir())) {
        std::string hash = store::hash_tree(recipe.src_path).hash;
        ctx.catalog->add_source_package(
            {std::make_shared<const pkgset::SourceRecipe>(std::move(recipe)), hash});
    }
    pkgset::Instance base{ctx.config, ctx.system, {}, {}};
    // Config overlays first, then --overlay files, each applied in order.
    std::vector<std::string> overlay_files = ctx.config.overlays;
    overlay_files.insert(overlay_files.end(), global.overlays.begin(), global.overlays.end());
    for (const auto& file : overlay_files) {
        base.overlays.push_back(
            std::make_shared<const pkgset::Overlay>(pkgset::load_overlay(file)));
    }
    pkgset::EvalSettings settings;
    settings.mirrors = ctx.mirrors;
    settings.host_compiler = [](const version::Version& cuda) {
        return toolchain::describe(detected_host_compiler(), cuda);
    };
    settings.host_compiler_identity = [] {
        const auto& hc = detected_host_compiler();
        return hc ? nlohmann::json{{"family", hc->family}, {"version", hc->version}}
                  : nlohmann::json(nullptr);
    };
    ctx.evaluator = std::make_unique<pkgset::Evaluator>(*ctx.catalog, base, settings);
    return ctx;
}

std::string show_store_path(const EvalContext& ctx, const storepath::StorePath& path) {
    return storepath::absolute_in(ctx.store_dir, path).string();
}

nlohmann::json show_store_paths(const EvalContext& ctx, const pkgset::EvalValue& value) {
    return value.render([&](const storepath::StorePath& p) { return show_store_path(ctx, p); });
}

bool is_attrpath_argument(const std::string& argument) {
    return argument.find('/') == std::string::npos && !storepath::StorePath::find_parse(argument);
}

namespace {

/// The outputs of the package `attrpath` names that are in `store`, `out` first.
std::vector<storepath::StorePath> built_outputs(EvalContext& ctx, store::Store& store,
                                                const std::string& attrpath) {
    auto resolved = ctx.evaluator->resolve_package(attrpath);
    const auto& paths =
        ctx.evaluator->out_paths(*resolved.set, *resolved.package, resolved.attrpath);
    std::vector<storepath::StorePath> out;
    auto add = [&](const storepath::StorePath& p) {
        if (store.is_valid(p)) {
            out.push_back(p);
        }
    };
    if (auto it = paths.find("out"); it != paths.end()) {
        add(it->second);
    }
    for (const auto& [output, path] : paths) {
        if (output != "out") {
            add(path);
        }
    }
    if (out.empty()) {
        Error error(ErrorKind::InvalidInput, fmt::format("{} is not built in the store {}",
                                                         resolved.attrpath, store.root().string()));
        error.add_note(fmt::format("run 'cudapkgs build {}' first", resolved.attrpath));
        throw error;
    }
    return out;
}

} // namespace

std::vector<storepath::StorePath>
store_paths_of_arguments(Session& session, store::Store& store,
                         const std::vector<std::string>& arguments) {
    std::vector<std::string> attrpaths;
    for (const auto& argument : arguments) {
        if (is_attrpath_argument(argument)) {
            attrpaths.push_back(argument);
        }
    }
    EvalContext* ctx = nullptr; // loaded only when there is an ATTRPATH
    std::vector<storepath::StorePath> out;
    for (const auto& argument : arguments) {
        if (!is_attrpath_argument(argument)) {
            out.push_back(store.parse_path_argument(argument));
            continue;
        }
        if (ctx == nullptr) {
            ctx = &session.eval(attrpaths);
        }
        for (auto& p : built_outputs(*ctx, store, argument)) {
            out.push_back(std::move(p));
        }
    }
    return out;
}

} // namespace cudapkgs::cli
