// SPDX-License-Identifier: Apache-2.0
// Placeholders in fixup strings: `${out}`, `${lib}` and `${dep.output}`.
#pragma once

#include "install.hpp"
#include "staging.hpp"

#include <string>

namespace cudapkgs::builder {

/// `${out}`, `${lib}` (own outputs, at their final store paths) and `${dep.output}` (a
/// dependency's, falling back like nixpkgs: include → dev → out, other → out). Throws
/// Error{BuildFailed} for an unknown placeholder or a name that is not a dependency.
std::string expand(const InstallContext& ctx, const Staging& staging, const std::string& text);

} // namespace cudapkgs::builder
