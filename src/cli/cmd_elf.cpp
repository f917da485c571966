// SPDX-License-Identifier: Apache-2.0
// `cudapkgs elf show|set-runpath|add-needed|replace-needed|remove-needed`.
#include "commands.hpp"
#include "output.hpp"

#include <cudapkgs/elf/elf_editor.hpp>
#include <cudapkgs/elf/elf_file.hpp>

#include <fmt/format.h>

#include <memory>

namespace cudapkgs::cli {

namespace {

nlohmann::json info_json(const elf::ElfInfo& info) {
    nlohmann::json j{{"path", info.path}, {"class", elf::to_string(info.elf_class)}};
    if (info.elf_class != elf::ElfClass::Elf64LittleEndian) {
        return j;
    }
    auto opt = [](const std::optional<std::string>& v) {
        return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
    };
    j["type"] = info.type;
    j["machine"] = info.machine;
    j["soname"] = opt(info.soname);
    j["needed"] = info.needed;
    j["runpath"] = opt(info.runpath);
    j["rpath"] = opt(info.rpath);
    j["interpreter"] = opt(info.interpreter);
    j["sm"] = info.sm_architectures;
    j["ptx"] = info.ptx_architectures;
    return j;
}

void print_info_text(const elf::ElfInfo& info) {
    print_line(info.path);
    print_line(fmt::format("  class:       {}", elf::to_string(info.elf_class)));
    if (info.elf_class != elf::ElfClass::Elf64LittleEndian) {
        return;
    }
    auto line = [](std::string_view key, const std::optional<std::string>& v) {
        if (v) {
            print_line(fmt::format("  {:<12} {}", key, *v));
        }
    };
    print_line(fmt::format("  type:        {}", info.type));
    print_line(fmt::format("  machine:     {}", info.machine));
    line("soname:", info.soname);
    for (const auto& n : info.needed) {
        print_line(fmt::format("  needed:      {}", n));
    }
    line("runpath:", info.runpath);
    line("rpath:", info.rpath);
    line("interpreter:", info.interpreter);
    if (!info.sm_architectures.empty()) {
        print_line(fmt::format("  sm:          {}", fmt::join(info.sm_architectures, " ")));
    }
    if (!info.ptx_architectures.empty()) {
        print_line(fmt::format("  ptx:         {}", fmt::join(info.ptx_architectures, " ")));
    }
}

struct EditArgs {
    std::string file;
    std::string a;
    std::string b;
    bool sync = false;
    bool in_place = false;
};

int report_edit(const GlobalOptions& global, const std::string& file, std::string_view action,
                const elf::EditResult& r) {
    if (global.json) {
        print_json({{"path", file},
                    {"action", action},
                    {"changed", r.changed},
                    {"grew", r.grew},
                    {"moved_dynamic", r.moved_dynamic},
                    {"moved_program_headers", r.moved_phdrs},
                    {"size", r.new_size}});
    } else if (!global.quiet) {
        std::string how = !r.changed ? "unchanged" : r.grew ? "grew by a new segment" : "in place";
        print_line(fmt::format("{}: {} ({})", file, action, how));
    }
    return 0;
}

CLI::App* add_edit(CLI::App& cmd, const char* name, const char* help, EditArgs& args,
                   std::vector<const char*> names) {
    auto* sub = cmd.add_subcommand(name, help);
    sub->add_option("FILE", args.file, "ELF file to rewrite (atomically)")->required();
    if (!names.empty()) {
        sub->add_option(names[0], args.a)->required();
    }
    if (names.size() > 1) {
        sub->add_option(names[1], args.b)->required();
    }
    sub->add_flag("--sync", args.sync, "fsync the result before renaming it into place");
    sub->add_flag("--in-place", args.in_place,
                  "Patch the file itself instead of writing a copy and renaming it (faster, "
                  "not atomic: for files nothing else reads yet)");
    return sub;
}

} // namespace

RunFn setup_elf(CLI::App& cmd, Session& session) {
    const GlobalOptions& global = session.global();
    cmd.require_subcommand(1);
    auto files = std::make_shared<std::vector<std::string>>();
    auto* show = cmd.add_subcommand("show", "Print class, machine, SONAME, NEEDED, RUNPATH, SMs");
    show->add_option("FILE", *files, "ELF files")->required();
    auto args = std::make_shared<EditArgs>();
    auto* set_runpath =
        add_edit(cmd, "set-runpath", "Set DT_RUNPATH (converts DT_RPATH)", *args, {"RUNPATH"});
    auto* add = add_edit(cmd, "add-needed", "Add a DT_NEEDED entry (first)", *args, {"LIB"});
    auto* replace =
        add_edit(cmd, "replace-needed", "Rename a DT_NEEDED entry", *args, {"OLD", "NEW"});
    auto* remove = add_edit(cmd, "remove-needed", "Remove a DT_NEEDED entry", *args, {"LIB"});
    return [=, &global]() {
        if (show->parsed()) {
            nlohmann::json all = nlohmann::json::array();
            for (const auto& f : *files) {
                auto info = elf::load_elf_info(f);
                if (info.elf_class == elf::ElfClass::NotElf) {
                    fail(ErrorKind::Integrity, "{}: not an ELF file", f);
                }
                global.json ? all.push_back(info_json(info)) : print_info_text(info);
            }
            if (global.json) {
                print_json(all);
            }
            return 0;
        }
        elf::ElfEdits edits;
        std::string action;
        if (set_runpath->parsed()) {
            edits.runpath = args->a;
            action = "set-runpath";
        } else if (add->parsed()) {
            edits.add_needed = {args->a};
            action = "add-needed";
        } else if (replace->parsed()) {
            edits.replace_needed = {{args->a, args->b}};
            action = "replace-needed";
        } else if (remove->parsed()) {
            edits.remove_needed = {args->a};
            action = "remove-needed";
        }
        auto mode = args->in_place ? elf::WriteMode::InPlace : elf::WriteMode::Atomic;
        auto result = elf::edit_elf(args->file, edits, mode, args->sync);
        return report_edit(global, args->file, action, result);
    };
}

} // namespace cudapkgs::cli
