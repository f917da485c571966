// SPDX-License-Identifier: Apache-2.0
// `cudapkgs store add-dir` (hidden): commits a directory as a store path. A test helper for
// the binary cache until the builder produces paths (docs/commands/store.md).
#pragma once

#include "options.hpp"
#include "session.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace cudapkgs::cli {

struct AddDirArgs {
    std::string dir;
    std::string name;
    std::vector<std::string> references;
};

/// Adds the hidden `add-dir` subcommand to `store`.
CLI::App* add_store_add_dir(CLI::App& store, AddDirArgs& args);

/// Copies `args.dir` into the store as `<hash>-<name>` (hash of the name, content and
/// references) with the given references, and prints its path. Exit 0.
int run_store_add_dir(Session& session, const AddDirArgs& args, bool json);

} // namespace cudapkgs::cli
