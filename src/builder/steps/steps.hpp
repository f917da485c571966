// SPDX-License-Identifier: Apache-2.0
// The builder's side of the fixup build steps: one function per step kind, each in its own
// file here, and the visitors that dispatch a package's steps to them by phase.
#pragma once

#include "../install.hpp"
#include "../staging.hpp"

#include <cudapkgs/builder/routing.hpp>
#include <cudapkgs/elf/elf_editor.hpp>
#include <cudapkgs/fixups/build_step.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace cudapkgs::builder {

/// What a step applied after unpacking sees.
struct StepContext {
    const InstallContext& install;
    Staging& staging;
    const OutputRouter& router;
};

/// Throws Error{BuildFailed} "<attrpath>: what", noting the package whose fixups failed.
[[noreturn]] void step_failed(const InstallContext& ctx, const std::string& what);

// Routing steps: they shape the router before anything is unpacked.
void apply_step(const fixups::RemoveStep& step, OutputRouter& router);
void apply_step(const fixups::MoveStep& step, OutputRouter& router);
void apply_step(const fixups::OutputPatternsStep& step, OutputRouter& router);

// Steps on the unpacked (or built) tree, in the package's order.
void apply_step(const fixups::SymlinksStep& step, StepContext& sc);
void apply_step(const fixups::SubstituteStep& step, StepContext& sc);
void apply_step(const fixups::PostInstallStep& step, StepContext& sc);

/// Adds an `elf` step's edits for one file (`rel` inside its output, `final_file` its store
/// path once committed).
void add_elf_edits(const fixups::ElfStep& step, const InstallContext& ctx, const Staging& staging,
                   const std::filesystem::path& rel, const std::filesystem::path& final_file,
                   elf::ElfEdits& edits);

/// Visitors, by phase.
void route_steps(const std::vector<fixups::BuildStep>& steps, OutputRouter& router);
void run_tree_steps(const std::vector<fixups::BuildStep>& steps, StepContext& sc);
elf::ElfEdits elf_edits_for(const std::vector<fixups::BuildStep>& steps, const InstallContext& ctx,
                            const Staging& staging, const std::filesystem::path& rel,
                            const std::filesystem::path& final_file);

} // namespace cudapkgs::builder
