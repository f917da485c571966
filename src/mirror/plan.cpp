// SPDX-License-Identifier: Apache-2.0
// Choosing what `mirror sync` copies: a set's manifests and its packages' archives.
#include <cudapkgs/mirror/sync.hpp>
#include <cudapkgs/pkgset/plan.hpp>
#include <cudapkgs/util/error.hpp>

#include <algorithm>
#include <set>

namespace cudapkgs::mirror {

namespace {

void add_manifests(SyncPlan& plan, const pkgset::Catalog& catalog, const pkgset::PackageSet& set) {
    for (const auto& entry : set.manifest_versions()) {
        // Named copies: clang 14 cannot capture structured bindings in lambdas.
        const std::string& product = entry.first;
        const std::string& version = entry.second;
        const manifest::Manifest* m = catalog.manifests().find(product, version);
        if (m == nullptr) {
            continue;
        }
        bool known =
            std::any_of(plan.manifests.begin(), plan.manifests.end(), [&](const ManifestItem& i) {
                return i.product == product && i.version == version;
            });
        if (!known) {
            plan.manifests.push_back({product, version, m->path});
        }
    }
}

void add_archive(SyncPlan& plan, const pkgset::PackageSet& set, const pkgset::Package& p) {
    const pkgset::Source& src = *p.src;
    std::string label = set.attrpath(p.attr);
    for (auto& item : plan.archives) {
        if (item.product == src.product && item.relative_path == src.relative_path) {
            if (std::find(item.packages.begin(), item.packages.end(), label) ==
                item.packages.end()) {
                item.packages.push_back(label);
            }
            return;
        }
    }
    plan.archives.push_back(
        {src.product, src.relative_path, src.sha256, src.size, {label}, src.base_path});
}

/// Adds the archive of one available package, or records why it has none to mirror.
void add_package(SyncPlan& plan, const pkgset::PackageSet& set, const pkgset::Package& p) {
    const std::string label = set.attrpath(p.attr);
    if (!p.src) {
        plan.skipped.push_back({label, set.redist_system(), "a source package (no archive)"});
    } else if (!p.src->url.empty()) {
        plan.skipped.push_back(
            {label, set.redist_system(), "pinned by an overlay to " + p.src->url});
    } else {
        add_archive(plan, set, p);
    }
}

/// Adds `p` and its dependencies (pkgset::closure(), each package before its dependencies as
/// the report lists them). An unavailable `p` is skipped with its reason; so is one that needs
/// an unavailable or missing package, with the chain as the reason.
void add_closure(SyncPlan& plan, const pkgset::PackageSet& set, const pkgset::Package& p,
                 std::set<std::string>& seen) {
    if (seen.count(p.attr) != 0) {
        return;
    }
    const std::string label = set.attrpath(p.attr);
    if (!p.available()) {
        seen.insert(p.attr);
        plan.skipped.push_back({label, set.redist_system(), p.unavailable_reasons.front()});
        return;
    }
    std::vector<pkgset::ClosureItem> items;
    try {
        items = pkgset::closure({{&set, &p, label}}, pkgset::ClosureOrder::Discovery);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::InvalidInput) {
            throw;
        }
        seen.insert(p.attr);
        plan.skipped.push_back({label, set.redist_system(), e.what()});
        return;
    }
    for (const auto& item : items) {
        if (seen.insert(item.package->attr).second) {
            add_package(plan, set, *item.package);
        }
    }
}

} // namespace

void add_set_to_plan(SyncPlan& plan, pkgset::Evaluator& evaluator, std::string_view set_path,
                     const std::vector<std::string>& packages) {
    const pkgset::PackageSet& set = evaluator.resolve_set(set_path);
    add_manifests(plan, evaluator.catalog(), set);
    std::set<std::string> seen;
    if (packages.empty()) {
        for (const auto& p : set.packages()) {
            add_closure(plan, set, p, seen);
        }
        return;
    }
    for (const auto& name : packages) {
        add_closure(plan, set, set.get(name), seen);
    }
}

std::string system_for_platform(std::string_view platform) {
    if (platform == "linux-x86_64") {
        return "x86_64-linux";
    }
    if (platform == "linux-sbsa") {
        return "aarch64-linux";
    }
    throw Error(ErrorKind::Usage, fmt::format("cannot mirror platform '{}'", platform))
        .add_note("supported platforms: linux-x86_64, linux-sbsa");
}

} // namespace cudapkgs::mirror
