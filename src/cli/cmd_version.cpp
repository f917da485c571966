// SPDX-License-Identifier: Apache-2.0
#include "commands.hpp"
#include "output.hpp"

namespace cudapkgs::cli {

RunFn setup_version(CLI::App&, Session& session) {
    const GlobalOptions& global = session.global();
    return [&global] {
        if (global.json) {
            print_json({{"version", CUDAPKGS_VERSION}});
        } else {
            print_line("cudapkgs " CUDAPKGS_VERSION);
        }
        return 0;
    };
}

} // namespace cudapkgs::cli
