// SPDX-License-Identifier: Apache-2.0
#include "steps.hpp"

#include <cudapkgs/util/error.hpp>

#include <variant>

namespace cudapkgs::builder {

namespace {

template <class... F> struct Overloaded : F... { using F::operator()...; };
template <class... F> Overloaded(F...) -> Overloaded<F...>;

} // namespace

void step_failed(const InstallContext& ctx, const std::string& what) {
    throw Error(ErrorKind::BuildFailed, fmt::format("{}: {}", ctx.attrpath, what))
        .add_note(fmt::format("while applying the fixups of '{}'", ctx.package->pname));
}

void route_steps(const std::vector<fixups::BuildStep>& steps, OutputRouter& router) {
    for (const auto& step : steps) {
        std::visit(Overloaded{[&](const fixups::RemoveStep& s) { apply_step(s, router); },
                              [&](const fixups::MoveStep& s) { apply_step(s, router); },
                              [&](const fixups::OutputPatternsStep& s) { apply_step(s, router); },
                              [](const auto&) {}},
                   step.action);
    }
}

void run_tree_steps(const std::vector<fixups::BuildStep>& steps, StepContext& sc) {
    for (const auto& step : steps) {
        std::visit(Overloaded{[&](const fixups::SymlinksStep& s) { apply_step(s, sc); },
                              [&](const fixups::SubstituteStep& s) { apply_step(s, sc); },
                              [&](const fixups::PostInstallStep& s) { apply_step(s, sc); },
                              // Routing steps ran before unpacking; ELF edits run with the
                              // RUNPATH policy, after every other step.
                              [](const fixups::RemoveStep&) {}, [](const fixups::MoveStep&) {},
                              [](const fixups::OutputPatternsStep&) {},
                              [](const fixups::ElfStep&) {}},
                   step.action);
    }
}

elf::ElfEdits elf_edits_for(const std::vector<fixups::BuildStep>& steps, const InstallContext& ctx,
                            const Staging& staging, const std::filesystem::path& rel,
                            const std::filesystem::path& final_file) {
    elf::ElfEdits edits;
    for (const auto& step : steps) {
        if (const auto* e = std::get_if<fixups::ElfStep>(&step.action)) {
            add_elf_edits(*e, ctx, staging, rel, final_file, edits);
        }
    }
    return edits;
}

} // namespace cudapkgs::builder
