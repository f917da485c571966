// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/pkgset/plan.hpp>
#include <cudapkgs/util/spelling.hpp>

#include <algorithm>
#include <functional>
#include <map>

namespace cudapkgs::pkgset {

namespace {

/// `cudaPackages_12_8.cudnn → libcublas → cuda_nvrtc`
std::string chain_text(const PackageSet& set, const std::vector<std::string>& chain) {
    std::string out = set.attrpath(chain.front());
    for (std::size_t i = 1; i < chain.size(); ++i) {
        out += " → ";
        out += chain[i];
    }
    return out;
}

} // namespace

Error unavailable_in_chain(const PackageSet& set, const std::vector<std::string>& chain,
                           const Package& unavailable) {
    Error error(ErrorKind::InvalidInput,
                chain.size() == 1
                    ? fmt::format("'{}' is not available", set.attrpath(chain.front()))
                    : fmt::format("{}: not available", chain_text(set, chain)));
    for (const auto& reason : unavailable.unavailable_reasons) {
        error.add_note(reason);
    }
    return error;
}

Error missing_in_chain(const PackageSet& set, const std::vector<std::string>& chain) {
    Error error(
        ErrorKind::InvalidInput,
        fmt::format("{}: '{}' is not in {}", chain_text(set, chain), chain.back(), set.name()));
    if (auto guess = util::find_closest(chain.back(), set.package_names())) {
        error.add_note(fmt::format("did you mean '{}'?", *guess));
    }
    return error;
}

std::vector<ClosureItem> closure(const std::vector<ResolvedPackage>& targets, ClosureOrder order) {
    std::vector<ClosureItem> out;
    std::map<std::pair<const PackageSet*, std::string>, bool> seen; ///< true once added
    std::vector<std::string> chain;
    std::function<void(const PackageSet&, const Package&, const std::string&)> visit =
        [&](const PackageSet& set, const Package& package, const std::string& attrpath) {
            chain.push_back(package.attr);
            auto [it, inserted] = seen.try_emplace({&set, package.attr}, false);
            if (!inserted) {
                if (!it->second) {
                    fail(ErrorKind::InvalidInput, "{}: dependency cycle in {} through '{}'",
                         chain_text(set, chain), set.name(), package.attr);
                }
                chain.pop_back();
                return;
            }
            if (!package.available()) {
                throw unavailable_in_chain(set, chain, package);
            }
            if (order == ClosureOrder::Discovery) {
                out.push_back({attrpath, &set, &package});
            }
            for (const auto& dep : package.dependencies) {
                const Package* p = set.find(dep);
                if (p == nullptr) {
                    chain.push_back(dep);
                    throw missing_in_chain(set, chain);
                }
                visit(set, *p, set.attrpath(dep));
            }
            it->second = true;
            if (order == ClosureOrder::DependenciesFirst) {
                out.push_back({attrpath, &set, &package});
            }
            chain.pop_back();
        };
    for (const auto& t : targets) {
        chain.clear();
        visit(*t.set, *t.package, t.attrpath);
    }
    return out;
}

std::vector<PlanItem> build_plan(Evaluator& evaluator,
                                 const std::vector<ResolvedPackage>& targets) {
    std::vector<PlanItem> out;
    for (auto& item : closure(targets)) {
        const Derivation& drv = evaluator.derivation(*item.set, *item.package);
        out.push_back({std::move(item.attrpath), item.set, item.package, &drv});
    }
    return out;
}

} // namespace cudapkgs::pkgset
