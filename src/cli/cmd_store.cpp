// SPDX-License-Identifier: Apache-2.0
// `cudapkgs store verify|gc|path-info|ls` (docs/commands/store.md).
#include "commands.hpp"
#include "context.hpp"
#include "output.hpp"
#include "store_add_dir.hpp"

#include <cudapkgs/store/store.hpp>
#include <cudapkgs/util/error.hpp>

#include <cctype>
#include <ctime>
#include <memory>

namespace cudapkgs::cli {

namespace {

using store::PathInfo;
using store::Store;

struct StoreArgs {
    std::string path;
    std::string max_size;
    std::vector<std::string> keep;
    bool dry_run = false;
    bool json = false; ///< `--json` given after the subcommand
};

/// "1048576", "512M", "10G", "1.5GiB" (powers of 1024); throws Error{Usage}.
std::uint64_t parse_size(const std::string& text) {
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        fail(ErrorKind::Usage, "--max-size '{}': expected a size such as 500M or 10G", text);
    }
    std::string unit = text.substr(used);
    for (auto& c : unit) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    const std::string units = "KMGT";
    double factor = 1;
    if (!unit.empty() && unit != "B") {
        auto pos = units.find(unit[0]);
        if (pos == std::string::npos ||
            (unit.size() > 1 && unit.substr(1) != "B" && unit.substr(1) != "IB")) {
            fail(ErrorKind::Usage, "--max-size '{}': unknown unit '{}' (use K, M, G or T)", text,
                 unit);
        }
        factor = static_cast<double>(std::uint64_t{1} << (10 * (pos + 1)));
    }
    if (value < 0) {
        fail(ErrorKind::Usage, "--max-size '{}' is negative", text);
    }
    return static_cast<std::uint64_t>(value * factor);
}

std::string format_time(std::int64_t seconds) {
    std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

nlohmann::json to_json(const Store& s, const PathInfo& info) {
    nlohmann::json refs = nlohmann::json::array();
    for (const auto& r : info.references) {
        refs.push_back(s.to_absolute(r).string());
    }
    return {{"path", s.to_absolute(info.path).string()},
            {"hash", info.hash},
            {"size", info.size},
            {"registrationTime", format_time(info.registration_time)},
            {"deriver", info.deriver ? nlohmann::json(*info.deriver) : nlohmann::json()},
            {"references", refs}};
}

int run_verify(Session& session, bool json) {
    Store& s = session.store();
    auto report = s.verify();
    if (json) {
        nlohmann::json problems = nlohmann::json::array();
        for (const auto& p : report.problems) {
            problems.push_back({{"path", s.to_absolute(p.path).string()}, {"message", p.message}});
        }
        print_json({{"checked", report.checked},
                    {"ok", report.ok()},
                    {"problems", problems},
                    {"databaseProblems", report.database_problems}});
    } else {
        print_line(fmt::format("checked {} store paths: {} problem(s)", report.checked,
                               report.problems.size() + report.database_problems.size()));
    }
    if (report.ok()) {
        return 0;
    }
    Error error(ErrorKind::Integrity,
                fmt::format("the store {} failed verification", s.root().string()));
    for (const auto& p : report.problems) {
        error.add_note(p.message);
    }
    for (const auto& p : report.database_problems) {
        error.add_note("database: " + p);
    }
    throw error;
}

int run_gc(Session& session, const StoreArgs& a, bool json) {
    Store& s = session.store();
    store::GcOptions options;
    for (const auto& k : a.keep) {
        options.keep.push_back(s.parse_path_argument(k));
    }
    if (!a.max_size.empty()) {
        options.max_size = parse_size(a.max_size);
    }
    options.dry_run = a.dry_run;
    auto r = s.gc(options);
    nlohmann::json deleted = nlohmann::json::array();
    for (const auto& p : r.deleted) {
        deleted.push_back(s.to_absolute(p).string());
        if (!json) {
            print_line(fmt::format("{} {}", a.dry_run ? "would delete" : "deleted",
                                   s.to_absolute(p).string()));
        }
    }
    if (json) {
        print_json({{"deleted", deleted},
                    {"bytesFreed", r.bytes_freed},
                    {"downloadsDeleted", r.downloads_deleted},
                    {"downloadBytesFreed", r.download_bytes_freed},
                    {"live", r.live},
                    {"sizeAfter", r.size_after},
                    {"dryRun", a.dry_run}});
    } else {
        print_line(fmt::format("{} store paths {}, {} bytes freed, {} live, {} bytes remain",
                               r.deleted.size(), a.dry_run ? "to delete" : "deleted", r.bytes_freed,
                               r.live, r.size_after));
        if (r.downloads_deleted > 0) {
            print_line(fmt::format("{} downloaded archives {}, {} bytes freed", r.downloads_deleted,
                                   a.dry_run ? "to delete" : "deleted", r.download_bytes_freed));
        }
    }
    return 0;
}

int run_path_info(Session& session, const StoreArgs& a, bool json) {
    Store& s = session.store();
    const auto paths = store_paths_of_arguments(session, s, {a.path});
    if (json) {
        // One object for a path; an array (one object per built output) for an ATTRPATH.
        if (!is_attrpath_argument(a.path)) {
            print_json(to_json(s, s.get_path_info(paths.front())));
        } else {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& p : paths) {
                out.push_back(to_json(s, s.get_path_info(p)));
            }
            print_json(out);
        }
        return 0;
    }
    for (const auto& p : paths) {
        auto info = s.get_path_info(p);
        print_line(s.to_absolute(info.path).string());
        print_line(fmt::format("  hash:       {}", info.hash));
        print_line(fmt::format("  size:       {}", info.size));
        print_line(fmt::format("  registered: {}", format_time(info.registration_time)));
        print_line(fmt::format("  deriver:    {}", info.deriver.value_or("-")));
        print_line(fmt::format("  references: {}", info.references.size()));
        for (const auto& r : info.references) {
            print_line("    " + s.to_absolute(r).string());
        }
    }
    return 0;
}

int run_ls(Session& session, bool json) {
    Store& s = session.store();
    auto all = s.list();
    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& info : all) {
            out.push_back(to_json(s, info));
        }
        print_json(out);
        return 0;
    }
    for (const auto& info : all) {
        print_line(s.to_absolute(info.path).string());
    }
    return 0;
}

} // namespace

RunFn setup_store(CLI::App& cmd, Session& session) {
    const GlobalOptions& global = session.global();
    auto args = std::make_shared<StoreArgs>();
    auto add_dir_args = std::make_shared<AddDirArgs>();
    cmd.require_subcommand(1);
    cmd.fallthrough(true);
    auto add = [&](const char* name, const char* help) {
        return add_subcommand_with_json(cmd, name, help, args->json);
    };
    CLI::App* verify = add("verify", "Recompute every content hash; exit 5 on any problem");
    CLI::App* gc =
        add("gc", "Delete store paths no out-link or --keep path reaches, and downloaded archives");
    gc->footer("\nExamples:\n  cudapkgs store gc --max-size 20G\n  cudapkgs store gc --dry-run "
               "--json\n");
    gc->add_option("--max-size", args->max_size,
                   "Only delete (oldest first) until the store is this small, e.g. 10G");
    gc->add_option("--keep", args->keep, "Also keep this store path (repeatable)");
    gc->add_flag("--dry-run", args->dry_run, "Only print what would be deleted");
    CLI::App* info = add("path-info", "Show a store path's hash, size and references");
    info->footer("\nExamples:\n  cudapkgs store path-info ./result --json\n  cudapkgs store "
                 "path-info cudaPackages_13_0.cudnn\n");
    info->add_option("PATH", args->path,
                     "Store path, its base name, an out-link, or an ATTRPATH (its built outputs)")
        ->required();
    CLI::App* ls = add("ls", "List valid store paths");
    CLI::App* add_dir = add_store_add_dir(cmd, *add_dir_args);
    add_dir->add_flag("--json", args->json, "Print results as JSON");
    return [&global, &session, args, add_dir_args, verify, gc, info, ls, add_dir]() -> int {
        const bool json = global.json || args->json;
        if (verify->parsed()) {
            return run_verify(session, json);
        }
        if (gc->parsed()) {
            return run_gc(session, *args, json);
        }
        if (info->parsed()) {
            return run_path_info(session, *args, json);
        }
        if (ls->parsed()) {
            return run_ls(session, json);
        }
        if (add_dir->parsed()) {
            return run_store_add_dir(session, *add_dir_args, json);
        }
        return 2;
    };
}

} // namespace cudapkgs::cli
