// SPDX-License-Identifier: Apache-2.0
// What build, env, test and features share: the session's evaluator and store, and a builder
// configured from the global options.
#pragma once

#include "context.hpp"
#include "session.hpp"

#include <cudapkgs/builder/builder.hpp>
#include <cudapkgs/fetch/progress.hpp>
#include <cudapkgs/store/store.hpp>

#include <memory>
#include <string>
#include <vector>

namespace cudapkgs::cli {

struct BuildSession {
    /// Evaluates with `session.eval(attrpaths)`, so --frozen covers the packages to build.
    BuildSession(Session& session, const std::vector<std::string>& attrpaths,
                 const std::string& progress, bool keep_going = false, bool rebuild = false);

    /// Resolves attribute paths to build targets (throws for non-packages).
    std::vector<builder::Target> targets(const std::vector<std::string>& attrpaths);

    EvalContext& eval;
    store::Store& store;
    std::unique_ptr<fetch::ProgressRenderer> renderer;
    std::unique_ptr<fetch::Fetcher> fetcher; ///< the builder's (declared first: outlives it)
    std::unique_ptr<builder::Builder> builder;
};

} // namespace cudapkgs::cli
