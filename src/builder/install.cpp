// SPDX-License-Identifier: Apache-2.0
// Orchestrates one package's install: staging, unpack with routing, source build, the fixup
// steps (steps/), the RUNPATH policy (elf_policy.cpp), metadata and the commit.
#include "install.hpp"

#include "build_from_source.hpp"
#include "elf_policy.hpp"
#include "progress.hpp"
#include "staging.hpp"
#include "steps/steps.hpp"

#include <cudapkgs/builder/routing.hpp>
#include <cudapkgs/unpack/unpacker.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

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

/// The marker of a declared output that received no file: `nix-support/cudapkgs-empty-output`.
void mark_empty_output(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir / "nix-support");
    util::write_file_atomic(dir / "nix-support" / "cudapkgs-empty-output", "");
}

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
    StepContext steps{ctx, staging, router};
    run_tree_steps(pkg.build, steps);
    patch_elf_files(ctx, staging);
    timer.done("fixups and ELF patching");

    // Every declared output is registered, so closures have the same shape in every set: one
    // that received no file holds only an empty marker (docs/outputs.md, "empty-with-marker").
    std::vector<std::string> registered;
    for (const auto& output : pkg.outputs) {
        if (output != "out" && is_empty_dir(staging.dir(output))) {
            mark_empty_output(staging.dir(output));
        }
        registered.push_back(output);
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
