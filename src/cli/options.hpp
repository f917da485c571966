// SPDX-License-Identifier: Apache-2.0
// Global options shared by every command, filled by CLI11 and read by the commands.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cudapkgs::cli {

struct GlobalOptions {
    std::vector<std::string> manifests; ///< --manifests (repeatable); empty = default search
    std::vector<std::string> fixups;    ///< --fixups
    std::string config;                 ///< --config
    std::vector<std::pair<std::string, std::string>> options; ///< --option NAME VALUE
    std::vector<std::string> overlays;                        ///< --overlay
    std::string system;                                       ///< --system
    std::string store;                                        ///< --store
    std::vector<std::string> mirrors;                         ///< --mirror
    std::string cacert;                                       ///< --cacert
    std::vector<std::string> substituters; ///< --substituter (repeatable), before config's
    bool require_sigs = false;             ///< --require-sigs (the default unless config says)
    bool no_require_sigs = false;          ///< --no-require-sigs: accept unsigned cache entries
    bool offline = false;
    int jobs = 0; ///< 0 = number of CPUs
    bool json = false;
    int verbose = 0;
    bool quiet = false;

    bool frozen = false;   ///< --frozen (or CUDAPKGS_FROZEN=1): the lock file must match
    std::string lock_file; ///< --lock FILE; empty = ./cudapkgs.lock
};

} // namespace cudapkgs::cli
