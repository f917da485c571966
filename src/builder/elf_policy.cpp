// SPDX-License-Identifier: Apache-2.0
#include "elf_policy.hpp"

#include "steps/steps.hpp"

#include <cudapkgs/elf/elf_editor.hpp>
#include <cudapkgs/elf/elf_file.hpp>
#include <cudapkgs/elf/resolve.hpp>
#include <cudapkgs/util/error.hpp>

#include <set>

namespace cudapkgs::builder {

namespace fs = std::filesystem;

namespace {

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

} // namespace

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
        elf::ElfEdits edits = elf_edits_for(ctx.package->build, ctx, staging, rel, r.path);
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

} // namespace cudapkgs::builder
