// SPDX-License-Identifier: Apache-2.0
// `cudapkgs matrix [PNAME...]`: what each set offers of each product on each platform.
#include "commands.hpp"
#include "context.hpp"
#include "output.hpp"
#include "session.hpp"

#include <cudapkgs/capabilities/capabilities.hpp>
#include <cudapkgs/pkgset/package_set.hpp>
#include <cudapkgs/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>

namespace cudapkgs::cli {

namespace {

/// One column of the matrix: a platform the sets are evaluated for.
struct Platform {
    std::string name;   ///< x86_64, sbsa, jetson
    std::string system; ///< Nix system
    bool jetson = false;
};

const std::vector<Platform> kPlatforms = {
    {"x86_64", "x86_64-linux", false},
    {"sbsa", "aarch64-linux", false},
    {"jetson", "aarch64-linux", true},
};

/// The Jetson capability a set's Jetson column is evaluated with: the newest Jetson capability
/// the set's CUDA supports (8.7 Orin on 12.x, 11.0 Thor on 13.x), none when there is none.
std::optional<std::string> jetson_capability(const version::Version& cuda_major_minor) {
    std::optional<std::string> best;
    for (const auto& info : capabilities::CapabilityTable::builtin().all()) {
        if (info.is_jetson && !info.is_arch_specific && !info.is_family_specific &&
            info.supported_by(cuda_major_minor)) {
            best = info.capability; // the table is in version order: the last one is newest
        }
    }
    return best;
}

/// The cell for one package: its version, or why it is not there.
nlohmann::json cell(const pkgset::PackageSet* set, const std::string& attr,
                    const std::string& unavailable_platform) {
    if (set == nullptr) {
        return {{"available", false}, {"reason", unavailable_platform}};
    }
    const pkgset::Package* p = set->find(attr);
    if (p == nullptr) {
        return {{"available", false}, {"reason", fmt::format("not in {}", set->name())}};
    }
    nlohmann::json c = {{"version", p->version}, {"available", p->available()}};
    if (!p->manifest_version.empty() && p->product != "cuda") {
        c["release"] = p->manifest_version;
    }
    if (!p->available()) {
        c["reason"] = p->unavailable_reasons.front();
    }
    return c;
}

std::string cell_text(const nlohmann::json& c) {
    if (c.value("available", false)) {
        return c.at("version").get<std::string>();
    }
    return "- (" + c.at("reason").get<std::string>() + ")";
}

int run_matrix(const GlobalOptions& global, EvalContext& ctx,
               const std::vector<std::string>& wanted) {
    const pkgset::Catalog& catalog = *ctx.catalog;
    const pkgset::Instance& base = ctx.evaluator->base();

    // One instance per platform and set (Jetson instances differ per set by capability).
    std::vector<std::unique_ptr<pkgset::Instance>> instances;
    std::vector<std::unique_ptr<pkgset::PackageSet>> sets;
    struct Row {
        const pkgset::SetDefinition* def;
        std::vector<const pkgset::PackageSet*> columns; // per platform, null = not offered
        std::vector<std::string> why_not;
    };
    std::vector<Row> rows;
    std::set<std::string> all_attrs;
    for (const auto& def : catalog.sets()) {
        Row row{&def, {}, {}};
        for (const auto& platform : kPlatforms) {
            auto instance = std::make_unique<pkgset::Instance>(base);
            instance->system = platform.system;
            instance->config.cuda_capabilities.clear();
            if (platform.jetson) {
                auto cap = jetson_capability(def.cuda_major_minor);
                if (!cap) {
                    row.columns.push_back(nullptr);
                    row.why_not.push_back(fmt::format("CUDA {} supports no Jetson capability",
                                                      def.cuda_major_minor.str()));
                    continue;
                }
                instance->config.cuda_capabilities = {*cap};
            }
            auto set = std::make_unique<pkgset::PackageSet>(catalog, def, *instance);
            for (const auto& p : set->packages()) {
                all_attrs.insert(p.attr);
            }
            row.columns.push_back(set.get());
            row.why_not.emplace_back();
            instances.push_back(std::move(instance));
            sets.push_back(std::move(set));
        }
        rows.push_back(std::move(row));
    }

    // Which attributes: those named (a pname names every attribute of that package), else the
    // unversioned attribute of every package whose pname is its attribute name.
    std::vector<std::string> attrs;
    if (wanted.empty()) {
        for (const auto& set : sets) {
            for (const auto& p : set->packages()) {
                if (p.attr == p.pname && p.product != "source" &&
                    std::find(attrs.begin(), attrs.end(), p.attr) == attrs.end()) {
                    attrs.push_back(p.attr);
                }
            }
        }
        std::sort(attrs.begin(), attrs.end());
    } else {
        for (const auto& name : wanted) {
            bool found = false;
            for (const auto& attr : all_attrs) {
                bool same_pname = false;
                for (const auto& set : sets) {
                    const auto* p = set->find(attr);
                    if (p != nullptr && p->pname == name) {
                        same_pname = true;
                        break;
                    }
                }
                if (attr == name || same_pname) {
                    if (std::find(attrs.begin(), attrs.end(), attr) == attrs.end()) {
                        attrs.push_back(attr);
                    }
                    found = true;
                }
            }
            if (!found) {
                fail(ErrorKind::InvalidInput, "no set has a package or attribute '{}'", name);
            }
        }
    }

    nlohmann::json out = nlohmann::json::object();
    nlohmann::json platforms = nlohmann::json::array();
    for (const auto& platform : kPlatforms) {
        platforms.push_back(
            {{"name", platform.name}, {"system", platform.system}, {"jetson", platform.jetson}});
    }
    nlohmann::json jsets = nlohmann::json::array();
    for (const auto& row : rows) {
        nlohmann::json jplatforms = nlohmann::json::object();
        for (std::size_t i = 0; i < kPlatforms.size(); ++i) {
            const auto* set = row.columns[i];
            nlohmann::json packages = nlohmann::json::object();
            for (const auto& attr : attrs) {
                packages[attr] = cell(set, attr, row.why_not[i]);
            }
            nlohmann::json column = {{"packages", packages}};
            if (set != nullptr) {
                column["redistSystem"] = set->redist_system();
                column["capabilities"] = set->capabilities();
                column["manifests"] = set->manifest_versions();
                column["pinBranches"] = set->pin_branches();
            } else {
                column["reason"] = row.why_not[i];
            }
            jplatforms[kPlatforms[i].name] = column;
        }
        jsets.push_back({{"name", row.def->name},
                         {"cudaVersion", row.def->cuda.str()},
                         {"platforms", jplatforms}});
    }
    nlohmann::json aliases = nlohmann::json::object();
    for (const auto& entry : catalog.aliases()) {
        auto resolved = catalog.resolve_alias(entry.first);
        aliases[entry.first] = resolved ? nlohmann::json(*resolved) : nlohmann::json(nullptr);
    }
    if (global.json) {
        print_json(
            {{"platforms", platforms}, {"packages", attrs}, {"sets", jsets}, {"aliases", aliases}});
        return 0;
    }
    // Text: one block per package, one line per set, one column per platform.
    for (const auto& attr : attrs) {
        print_line(attr);
        for (std::size_t r = 0; r < rows.size(); ++r) {
            std::string line = fmt::format("  {:<20}", rows[r].def->name);
            for (std::size_t i = 0; i < kPlatforms.size(); ++i) {
                const auto& c = jsets[r]["platforms"][kPlatforms[i].name]["packages"][attr];
                line += fmt::format(" {}: {}", kPlatforms[i].name, cell_text(c));
                if (i + 1 < kPlatforms.size()) {
                    line += " |";
                }
            }
            print_line(line);
        }
    }
    for (const auto& [alias, target] : catalog.aliases()) {
        auto resolved = catalog.resolve_alias(alias);
        print_line(fmt::format("alias {} -> {}{}", alias, target,
                               resolved && *resolved != target ? " -> " + *resolved : ""));
    }
    return 0;
}

} // namespace

RunFn setup_matrix(CLI::App& cmd, Session& session) {
    auto names = std::make_shared<std::vector<std::string>>();
    cmd.add_option("PNAME", *names,
                   "Packages to show (pname or attribute: cudnn, tensorrt, libcudss); all "
                   "when none is given");
    return [names, &session] { return run_matrix(session.global(), session.eval(), *names); };
}

} // namespace cudapkgs::cli
