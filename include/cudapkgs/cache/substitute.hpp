// SPDX-License-Identifier: Apache-2.0
// Substitution: realising store paths from binary caches instead of building them.
#pragma once

#include <cudapkgs/cache/signing.hpp>
#include <cudapkgs/config/config.hpp>
#include <cudapkgs/fetch/fetcher.hpp>
#include <cudapkgs/store/store.hpp>

#include <optional>
#include <string>
#include <vector>

namespace cudapkgs::cache {

/// Which caches to ask and whom to trust.
struct SubstituterConfig {
    std::vector<std::string> urls;       ///< `file:///DIR`, `http(s)://…`, tried in order
    std::vector<PublicKey> trusted_keys; ///< signatures by these keys are accepted
    bool require_sigs = true;            ///< false: unsigned entries are accepted (warning)
    fetch::FetchOptions fetch;           ///< CA bundle, timeouts, retries, offline
};

/// What substitute_closure() did.
struct SubstituteResult {
    bool ok = false;                       ///< the path is valid now
    std::vector<storepath::StorePath> fetched; ///< paths this call registered, sorted
    bool refused = false; ///< some entry was refused (signature, metadata or archive checks)
};

/// Makes `path` valid by substituting it and every missing path of its closure: for each
/// path, the first substituter whose metadata parses, names that path and carries a trusted
/// signature (unless require_sigs is off) is used; its archive is downloaded, checked
/// against ArchiveSize and ArchiveSha256, unpacked into a build directory (unsafe entries
/// refused), its content hash checked against ContentHash, and the whole missing closure is
/// committed in one transaction. A refused entry (unsigned, wrongly signed, tampered,
/// truncated, unreachable) is logged as a warning naming the substituter and the next
/// substituter is tried. Returns ok = false, with nothing registered, when no substituter
/// can supply the path or one of its missing references. Throws Error{InvalidInput} for a
/// bad URL in `config`, and store errors (Internal) unchanged.
SubstituteResult substitute_closure(store::Store& store, const storepath::StorePath& path,
                                    const SubstituterConfig& config);

/// substitute_closure() for a base name (`<hash>-<name>`); true when the path is valid
/// afterwards (including when it already was). Throws Error{InvalidInput} for a bad name.
bool substitute(store::Store& store, const std::string& store_path_name,
                const SubstituterConfig& config);

/// The substituter settings from config (`substituters`, `trusted-public-keys`,
/// `require-sigs`) with `extra_urls` (--substituter) tried first and `require_sigs`
/// (--require-sigs/--no-require-sigs) overriding; throws Error{InvalidInput} naming a
/// malformed trusted key.
SubstituterConfig make_substituter_config(const config::Config& config,
                                          const std::vector<std::string>& extra_urls,
                                          std::optional<bool> require_sigs,
                                          fetch::FetchOptions fetch = {});

} // namespace cudapkgs::cache
