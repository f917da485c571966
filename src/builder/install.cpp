// SPDX-License-Identifier: Apache-2.0
#include "install.hpp"

#include <cudapkgs/builder/routing.hpp>
#include <cudapkgs/elf/elf_editor.hpp>
#include <cudapkgs/elf/elf_file.hpp>
#include <cudapkgs/elf/resolve.hpp>
#include <cudapkgs/toolchain/host_compiler.hpp>
#include <cudapkgs/toolchain/merged_toolkit.hpp>
#include <cudapkgs/toolchain/recipe.hpp>
#include <cudapkgs/toolchain/source_build.hpp>
#include <cudapkgs/unpack/unpacker.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

namespace cudapkgs::builder {

namespace fs = std::filesystem;
using nlohmann::json;
using storepath::StorePath;

std::map<std::string, fs::path> registered_outputs(store::Store& store,
                                                   const pkgset::Derivation& drv) {
    std::map<std::string, fs::path> out;
    for (const auto& [output, path] : drv.outputs) {
        if (store.is_valid(path)) {
            out[output] = store.to_absolute(path);
        }
    }
    return out;
}

namespace {

/// The build directory of each output plus where it will live once committed, and the
/// digests the unpacker took of the files it wrote (forgotten for every file a later step
/// changes, so sealing rehashes exactly those).
struct Staging {
    std::map<std::string, store::BuildDir> dirs;
    std::map<std::string, fs::path> finals;
    std::map<std::string, store::KnownDigests> digests;

    fs::path dir(const std::string& output) const { return dirs.at(output).path(); }

    /// The output whose build directory holds `file`, and the path relative to it.
    std::optional<std::pair<std::string, std::string>> locate(const fs::path& file) const {
        for (const auto& [output, dir] : dirs) {
            auto rel = file.lexically_relative(dir.path());
            if (!rel.empty() && *rel.begin() != ".." && rel != ".") {
                return std::pair{output, rel.generic_string()};
            }
        }
        return std::nullopt;
    }
    void remember(const unpack::WrittenEntry& w) {
        if (auto where = w.digest ? locate(w.destination) : std::nullopt) {
            digests[where->first][where->second] = *w.digest;
        }
    }
    void forget(const fs::path& file) {
        if (auto where = locate(file)) {
            digests[where->first].erase(where->second);
        }
    }
};

[[noreturn]] void step_failed(const InstallContext& ctx, const std::string& what) {
    throw Error(ErrorKind::BuildFailed, fmt::format("{}: {}", ctx.attrpath, what))
        .add_note(fmt::format("while applying the fixups of '{}'", ctx.package->pname));
}

/// `${out}`, `${lib}` (own outputs) and `${dep.output}` (a dependency's, falling back like
/// nixpkgs: include → dev → out, other → out).
std::string expand(const InstallContext& ctx, const Staging& staging, const std::string& text) {
    static const std::regex kPlaceholder(R"(\$\{([A-Za-z0-9_]+)(?:\.([A-Za-z]+))?\})");
    std::string out;
    auto begin = std::sregex_iterator(text.begin(), text.end(), kPlaceholder);
    std::size_t last = 0;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
        const auto& m = *it;
        out += text.substr(last, static_cast<std::size_t>(m.position()) - last);
        last = static_cast<std::size_t>(m.position() + m.length());
        const std::string name = m[1].str();
        if (!m[2].matched) {
            if (!staging.finals.count(name)) {
                step_failed(ctx, fmt::format("unknown placeholder '{}'", m.str()));
            }
            out += staging.finals.at(name).string();
            continue;
        }
        const std::string output = m[2].str();
        auto dep = std::find_if(ctx.dependencies.begin(), ctx.dependencies.end(),
                                [&](const DependencyInfo& d) { return d.attr == name; });
        if (dep == ctx.dependencies.end()) {
            step_failed(ctx, fmt::format("placeholder '{}' names '{}', which is not a dependency",
                                         m.str(), name));
        }
        std::vector<std::string> chain{output};
        if (output == "include") {
            chain.emplace_back("dev");
        }
        chain.emplace_back("out");
        auto found = std::find_if(chain.begin(), chain.end(),
                                  [&](const auto& o) { return dep->outputs.count(o) > 0; });
        out += dep->outputs.at(*found).string();
    }
    return out + text.substr(last);
}

/// Finds files of the package (relative to the package root, globs allowed) across outputs.
std::vector<fs::path> find_files(const Staging& staging, const std::string& pattern) {
    std::vector<fs::path> found;
    for (const auto& [output, dir] : staging.dirs) {
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(dir.path(), ec);
             it != fs::recursive_directory_iterator(); it.increment(ec)) {
            const std::string rel = fs::relative(it->path(), dir.path()).generic_string();
            if (!it->is_directory() && path_matches(pattern, rel)) {
                found.push_back(it->path());
            }
        }
    }
    std::sort(found.begin(), found.end());
    return found;
}

void apply_symlinks(const json& list, const OutputRouter& router, const Staging& staging) {
    for (const auto& link : list) {
        const std::string rel = link.at("path").get<std::string>();
        const fs::path path = staging.dir(router.output_for(rel)) / rel;
        const fs::path target = path.parent_path() / link.at("target").get<std::string>();
        // Created only where the target exists and nothing is there yet (nixpkgs adds
        // libcuda.so.1 only when it is missing).
        if (fs::exists(target) && !fs::exists(fs::symlink_status(path))) {
            fs::create_symlink(link.at("target").get<std::string>(), path);
        }
    }
}

void apply_substitutions(const InstallContext& ctx, const json& list, Staging& staging) {
    for (const auto& sub : list) {
        const auto pattern = sub.at("file").get<std::string>();
        const auto files = find_files(staging, pattern);
        if (files.empty()) {
            step_failed(ctx, fmt::format("substitute: no file matches '{}'", pattern));
        }
        for (const auto& file : files) {
            std::string text = util::read_file(file);
            for (const auto& r : sub.value("replace", json::array())) {
                const auto from = expand(ctx, staging, r.at("from").get<std::string>());
                const auto to = expand(ctx, staging, r.value("to", std::string()));
                if (text.find(from) == std::string::npos) {
                    step_failed(ctx, fmt::format("substitute: '{}' not found in {}", from,
                                                 file.filename().string()));
                }
                for (auto pos = text.find(from); pos != std::string::npos;
                     pos = text.find(from, pos + to.size())) {
                    text.replace(pos, from.size(), to);
                }
            }
            for (const auto& line : sub.value("append", json::array())) {
                if (!text.empty() && text.back() != '\n') {
                    text += '\n';
                }
                text += expand(ctx, staging, line.get<std::string>()) + "\n";
            }
            fs::perms mode = fs::status(file).permissions();
            util::write_file_atomic(file, text, mode);
            staging.forget(file);
        }
    }
}

void run_post_install(const InstallContext& ctx, const std::string& script,
                      const Staging& staging) {
    std::vector<std::string> env_strings = {"PATH=/usr/bin:/bin", "LANG=C", "HOME=/nonexistent"};
    for (const auto& [output, dir] : staging.dirs) {
        env_strings.push_back(output + "=" + dir.path().string());
    }
    std::vector<char*> env;
    for (auto& s : env_strings) {
        env.push_back(s.data());
    }
    env.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
        if (::chdir(staging.dir("out").c_str()) != 0) {
            ::_exit(127);
        }
        const char* argv[] = {"/bin/sh", "-euc", script.c_str(), nullptr};
        ::execve("/bin/sh", const_cast<char* const*>(argv), env.data());
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        step_failed(ctx, fmt::format("postInstall failed (status {})", status));
    }
}

/// Directories of an output tree holding shared libraries (stub directories excluded: nothing
/// may resolve against stubs at run time).
std::vector<fs::path> library_dirs(const fs::path& root) {
    std::set<fs::path> dirs;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.find(".so") != std::string::npos && !it->is_directory() &&
            it->path().parent_path().filename() != "stubs") {
            dirs.insert(fs::relative(it->path().parent_path(), root));
        }
    }
    return {dirs.begin(), dirs.end()};
}

/// LibraryLookup that sees the package's own outputs at their final store locations while
/// they still sit in build directories.
class StagedLookup final : public elf::LibraryLookup {
  public:
    StagedLookup(const Staging& staging, const elf::DiskLibraryLookup& disk)
        : m_staging(staging), m_disk(disk) {}
    bool has_library(const fs::path& dir, const std::string& soname) const override {
        return m_disk.has_library(staged(dir), soname);
    }
    bool system_has(const std::string& soname) const override { return m_disk.system_has(soname); }

  private:
    fs::path staged(const fs::path& dir) const {
        for (const auto& [output, final_path] : m_staging.finals) {
            auto rel = dir.lexically_relative(final_path);
            if (!rel.empty() && *rel.begin() != "..") {
                return (m_staging.dir(output) / rel).lexically_normal();
            }
        }
        return dir;
    }
    const Staging& m_staging;
    const elf::DiskLibraryLookup& m_disk;
};

bool host_machine(const elf::ElfInfo& info, const std::string& system) {
    return (system.starts_with("x86_64") && info.machine == "x86_64") ||
           (system.starts_with("aarch64") && info.machine == "aarch64");
}

elf::ElfEdits fixup_edits(const InstallContext& ctx, const Staging& staging, const fs::path& rel,
                          const fs::path& final_file) {
    elf::ElfEdits edits;
    for (const auto& step : ctx.package->build) {
        auto it = step.find("elf");
        if (it == step.end()) {
            continue;
        }
        auto matches = [&](const json& e) {
            return path_matches(e.at("files").get<std::string>(), rel.generic_string());
        };
        for (const auto& e : it->value("addNeeded", json::array())) {
            if (matches(e)) {
                for (const auto& lib : e.value("libs", json::array())) {
                    edits.add_needed.push_back(lib.get<std::string>());
                }
            }
        }
        for (const auto& e : it->value("removeNeeded", json::array())) {
            if (matches(e)) {
                for (const auto& lib : e.value("libs", json::array())) {
                    edits.remove_needed.push_back(lib.get<std::string>());
                }
            }
        }
        for (const auto& e : it->value("replaceNeeded", json::array())) {
            if (matches(e)) {
                edits.replace_needed.emplace_back(e.at("from").get<std::string>(),
                                                  e.at("to").get<std::string>());
            }
        }
        for (const auto& e : it->value("runpath", json::array())) {
            if (matches(e)) {
                for (const auto& dir : e.value("add", json::array())) {
                    const fs::path abs = expand(ctx, staging, dir.get<std::string>());
                    std::string entry = elf::origin_relative(final_file, abs);
                    edits.runpath = edits.runpath ? *edits.runpath + ":" + entry : entry;
                }
            }
        }
    }
    return edits;
}

void patch_elf_files(const InstallContext& ctx, Staging& staging) {
    elf::ResolveInput input;
    std::map<fs::path, std::pair<fs::path, fs::path>> files; // final → (staged, rel)
    for (const auto& [output, dir] : staging.dirs) {
        const fs::path final_root = staging.finals.at(output);
        for (const auto& d : library_dirs(dir.path())) {
            input.own_lib_dirs.push_back((final_root / d).lexically_normal());
        }
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(dir.path(), ec);
             it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (it->is_symlink() || !it->is_regular_file() ||
                elf::classify_file(it->path()) != elf::ElfClass::Elf64LittleEndian) {
                continue;
            }
            auto info = elf::load_elf_info(it->path(), false);
            const bool dynamic = info.type == "dyn" || (info.type == "exec" && info.interpreter);
            if (!dynamic || !host_machine(info, ctx.set->instance().system)) {
                continue;
            }
            const fs::path rel = fs::relative(it->path(), dir.path());
            const fs::path final_file = final_root / rel;
            input.files.push_back({final_file, info.needed});
            files[final_file] = {it->path(), rel};
        }
    }
    for (const auto& dep : ctx.dependencies) {
        for (const auto& [output, path] : dep.outputs) {
            for (const auto& d : library_dirs(path)) {
                input.dependency_lib_dirs.push_back((path / d).lexically_normal());
            }
        }
    }
    input.ignore_missing = ctx.package->ignore_missing;
    input.driver_lib_dir = ctx.driver_lib_dir;
    static const elf::SystemSearch system = elf::SystemSearch::load();
    elf::DiskLibraryLookup disk(ctx.set->instance().system.starts_with("aarch64") ? 183 : 62,
                                system);
    StagedLookup lookup(staging, disk);
    std::vector<elf::ResolvedFile> resolved;
    try {
        resolved = elf::resolve_runpaths(input, lookup);
    } catch (Error& e) {
        e.add_note(fmt::format("while resolving the libraries of {}; a fixup can list "
                               "ignoreMissing globs or dependencies",
                               ctx.attrpath));
        throw;
    }
    for (const auto& r : resolved) {
        const auto& [staged, rel] = files.at(r.path);
        elf::ElfEdits edits = fixup_edits(ctx, staging, rel, r.path);
        std::string runpath = r.runpath;
        if (edits.runpath) {
            // Fixup entries go before the trailing $ORIGIN.
            auto pos = runpath.rfind("$ORIGIN");
            runpath = runpath.substr(0, pos) + *edits.runpath + ":" + runpath.substr(pos);
        }
        edits.runpath = runpath;
        try {
            if (elf::edit_elf(staged, edits, elf::WriteMode::InPlace).changed) {
                staging.forget(staged);
            }
        } catch (...) {
            staging.forget(staged);
            throw;
        }
    }
}

/// Builds a source package with nvcc: a merged toolkit view of its dependencies, the set's
/// gencode flags, a checked host compiler and a clean environment; installs into `out`.
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
    build.host_compiler = toolchain::check_host_compiler(toolchain::detect_host_compiler(), cuda,
                                                         ctx.allow_unsupported_compiler);
    build.gencode = flags.gencode;
    build.cmake_architectures = toolchain::cmake_architectures(flags);
    build.link_libs = recipe.link;
    build.sources = recipe.sources;
    build.output_name = recipe.output_name.empty() ? recipe.pname : recipe.output_name;
    build.extra_flags = recipe.extra_flags;
    build.log_file = work / "build.log";
    fs::create_directories(build.build_dir);
    toolchain::build_source(build);
}

/// Progress events for the unpacking of a package's archive: started, at most five progress
/// events a second, finished.
class UnpackProgress {
  public:
    UnpackProgress(const InstallContext& ctx, std::uint64_t total) : m_ctx(ctx) {
        m_event.kind = fetch::ProgressKind::Unpack;
        m_event.name = ctx.archive.filename().string();
        m_event.url = ctx.archive.string();
        m_event.total = total;
        emit(fetch::ProgressPhase::Started);
    }
    void update(std::uint64_t done) {
        const auto now = std::chrono::steady_clock::now();
        if (now - m_last < std::chrono::milliseconds(200)) {
            return;
        }
        m_last = now;
        m_event.done = done;
        const double seconds = std::chrono::duration<double>(now - m_start).count();
        m_event.rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
        emit(fetch::ProgressPhase::Progress);
    }
    void finish() {
        m_event.done = m_event.total;
        emit(fetch::ProgressPhase::Finished);
    }

  private:
    void emit(fetch::ProgressPhase phase) {
        if (m_ctx.progress) {
            m_event.phase = phase;
            m_ctx.progress(m_event);
        }
    }
    const InstallContext& m_ctx;
    fetch::ProgressEvent m_event;
    std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point m_last = m_start;
};

/// Logs (at -v) how long each phase of a build took.
class PhaseTimer {
  public:
    explicit PhaseTimer(std::string attrpath) : m_attrpath(std::move(attrpath)) {}
    void done(std::string_view phase) {
        const auto now = std::chrono::steady_clock::now();
        spdlog::debug("{}: {} in {} ms", m_attrpath, phase,
                      std::chrono::duration_cast<std::chrono::milliseconds>(now - m_last).count());
        m_last = now;
    }

  private:
    std::string m_attrpath;
    std::chrono::steady_clock::time_point m_last = std::chrono::steady_clock::now();
};

bool is_empty_dir(const fs::path& dir) {
    return fs::directory_iterator(dir) == fs::directory_iterator();
}

void write_metadata(const InstallContext& ctx, const Staging& staging,
                    const std::vector<std::string>& outputs) {
    const fs::path support = staging.dir("out") / "nix-support";
    fs::create_directories(support);
    json meta = {{"attrpath", ctx.attrpath},
                 {"pname", ctx.package->pname},
                 {"version", ctx.package->version},
                 {"outputs", outputs},
                 {"dependencies", ctx.package->dependencies},
                 {"derivation", ctx.derivation->hash}};
    if (!ctx.package->main_program.empty()) {
        meta["mainProgram"] = ctx.package->main_program;
    }
    util::write_file_atomic(support / "cudapkgs.json", meta.dump(2) + "\n");
}

} // namespace

std::map<std::string, fs::path> install_package(const InstallContext& ctx) {
    const auto& pkg = *ctx.package;
    const auto& drv = *ctx.derivation;
    std::vector<StorePath> paths;
    for (const auto& [output, path] : drv.outputs) {
        paths.push_back(path);
    }
    Staging staging;
    store::PathLocks locks;
    // Waiting for another process's locks must not hold the store mutex: that process may
    // itself wait for a path this process's other build threads hold.
    locks = ctx.store->lock_paths(paths);
    {
        std::lock_guard guard(*ctx.store_mutex);
        // Another process may have built it while we waited for the lock.
        if (ctx.store->is_valid(drv.outputs.at("out"))) {
            return registered_outputs(*ctx.store, drv);
        }
        for (const auto& [output, path] : drv.outputs) {
            staging.dirs.emplace(output, ctx.store->make_build_dir());
            staging.finals[output] = ctx.store->to_absolute(path);
        }
    }
    OutputRouter router(pkg.outputs, pkg.build);
    PhaseTimer timer(ctx.attrpath);
    if (!ctx.archive.empty()) {
        unpack::Options options;
        for (const auto& [output, dir] : staging.dirs) {
            options.roots.push_back(dir.path());
        }
        // Zip-bomb bound, from the manifest's declared archive size.
        options.max_unpacked_bytes =
            std::max<std::uint64_t>(std::uint64_t{256} << 20, pkg.src->size * 24);
        options.hash_files = true;
        options.archive_stamp = ctx.archive_stamp;
        UnpackProgress progress(ctx, pkg.src->size);
        if (ctx.progress) {
            options.on_read = [&progress](std::uint64_t done) { progress.update(done); };
        }
        auto unpacked = unpack::unpack_file(
            ctx.archive,
            [&](const unpack::Entry& entry) -> std::optional<fs::path> {
                auto rel = router.rewrite(entry.path.generic_string());
                if (!rel || rel->empty()) {
                    return std::nullopt;
                }
                return staging.dir(router.output_for(*rel)) / *rel;
            },
            options);
        progress.finish();
        for (const auto& w : unpacked.written) {
            staging.remember(w);
        }
        timer.done("unpacked");
    }
    if (pkg.recipe) {
        store::BuildDir work = [&] {
            std::lock_guard guard(*ctx.store_mutex);
            return ctx.store->make_build_dir();
        }();
        staging.digests.clear(); // the build may overwrite unpacked files
        build_from_source(ctx, staging, work.path());
    }
    for (const auto& step : pkg.build) {
        if (auto it = step.find("symlinks"); it != step.end()) {
            apply_symlinks(*it, router, staging);
        } else if (auto sub = step.find("substitute"); sub != step.end()) {
            apply_substitutions(ctx, *sub, staging);
        } else if (auto post = step.find("postInstall"); post != step.end()) {
            staging.digests.clear(); // a script may change any file
            run_post_install(ctx, post->get<std::string>(), staging);
        }
    }
    patch_elf_files(ctx, staging);
    timer.done("fixups and ELF patching");

    // Empty outputs are never registered; out always is (it carries the metadata).
    std::vector<std::string> registered;
    for (const auto& output : pkg.outputs) {
        if (output == "out" || !is_empty_dir(staging.dir(output))) {
            registered.push_back(output);
        }
    }
    write_metadata(ctx, staging, registered);
    std::vector<StorePath> references;
    for (const auto& dep : ctx.dependencies) {
        for (const auto& [output, path] : dep.outputs) {
            references.push_back(dep.derivation->outputs.at(output)); // registered ones only
        }
    }
    std::vector<store::CommitOutput> commits;
    for (const auto& output : registered) {
        std::vector<StorePath> refs = references;
        for (const auto& other : registered) {
            if (other != output) {
                refs.push_back(drv.outputs.at(other));
            }
        }
        commits.push_back({std::move(staging.dirs.at(output)), drv.outputs.at(output), refs,
                           drv.hash, std::nullopt, std::move(staging.digests[output])});
    }
    std::lock_guard guard(*ctx.store_mutex);
    ctx.store->commit_outputs(locks, std::move(commits));
    timer.done("sealed, hashed and committed");
    return registered_outputs(*ctx.store, drv);
}

} // namespace cudapkgs::builder
