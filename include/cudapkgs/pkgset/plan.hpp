// SPDX-License-Identifier: Apache-2.0
// The build plan: which packages building some targets needs, in order, and the one rule for
// a dependency that is missing or unavailable. The builder, `env`, `lock` and mirror planning
// all ask here.
#pragma once

#include <cudapkgs/pkgset/derivation.hpp>
#include <cudapkgs/pkgset/evaluator.hpp>
#include <cudapkgs/pkgset/package_set.hpp>
#include <cudapkgs/util/error.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::pkgset {

/// One package of a closure.
struct ClosureItem {
    std::string attrpath; ///< `<set>.<attr>`, or the target's attribute path as resolved
    const PackageSet* set = nullptr;
    const Package* package = nullptr;
};

/// The order closure() lists packages in.
enum class ClosureOrder {
    DependenciesFirst, ///< each package after everything it needs (build order)
    Discovery,         ///< each package when first reached, before its dependencies
};

/// Every package `targets` need, depth first in the order of `targets` and of each
/// package's dependencies, each (set, attribute) once, in `order`. A package
/// that is missing from its set or unavailable — a target or any dependency — is
/// Error{InvalidInput} naming the chain that needs it (`cudaPackages_12_8.cudnn → libcublas →
/// cuda_nvrtc: not available`) with the reasons (or "did you mean") as notes; so is a cycle.
/// Licences and capabilities are not checked here: see require_buildable().
std::vector<ClosureItem> closure(const std::vector<ResolvedPackage>& targets,
                                 ClosureOrder order = ClosureOrder::DependenciesFirst);

/// One step of a build plan: a package and its derivation.
struct PlanItem {
    std::string attrpath;
    const PackageSet* set = nullptr;
    const Package* package = nullptr;
    const Derivation* derivation = nullptr;
};

/// closure() of `targets` with each package's derivation (owned by `evaluator`).
std::vector<PlanItem> build_plan(Evaluator& evaluator, const std::vector<ResolvedPackage>& targets);

/// The error for a package of `set` that `chain` needs and that is unavailable: `chain` holds
/// attribute names in `set`, the first one the package asked for, the last the unavailable one.
Error unavailable_in_chain(const PackageSet& set, const std::vector<std::string>& chain,
                           const Package& unavailable);
/// The error for `chain`'s last attribute, which `set` lacks (with "did you mean").
Error missing_in_chain(const PackageSet& set, const std::vector<std::string>& chain);

} // namespace cudapkgs::pkgset
