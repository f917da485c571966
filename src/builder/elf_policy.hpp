// SPDX-License-Identifier: Apache-2.0
// The RUNPATH policy: every dynamic ELF file of the package gets `$ORIGIN`-relative RUNPATH
// entries to the library directories its NEEDED entries resolve in (its own outputs, then its
// dependencies' lib outputs), plus the fixups' `elf` edits; an unresolved NEEDED fails the
// build unless `ignoreMissing` or the host provides it.
#pragma once

#include "install.hpp"
#include "staging.hpp"

namespace cudapkgs::builder {

/// Patches every dynamic ELF file in the staged outputs; throws Error{BuildFailed} naming an
/// unresolved library, Error{Integrity} for malformed ELF.
void patch_elf_files(const InstallContext& ctx, Staging& staging);

} // namespace cudapkgs::builder
