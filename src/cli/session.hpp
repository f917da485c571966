// SPDX-License-Identifier: Apache-2.0
// What main sets up for a command according to its row's `needs` (commands.hpp): nothing, the
// manifests and evaluator, or those and the store. Each is made on first use, so a group's
// subcommand that needs less (`store gc`, `cache keygen`) pays for nothing more.
#pragma once

#include "context.hpp"
#include "options.hpp"

#include <cudapkgs/store/store.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::cli {

/// What a command may ask main to set up; each level includes the one before (like ninja's
/// RUN_AFTER_FLAGS / RUN_AFTER_LOAD).
enum class Needs {
    Nothing,   ///< runs on the parsed options alone: never reads manifests or opens the store
    Manifests, ///< evaluates: manifests, fixups, config and the evaluator; honours --frozen
    Store,     ///< evaluates and opens the store (--store, CUDAPKGS_STORE, XDG default)
};

class Session {
  public:
    /// `global` is filled by the parser after this is made; nothing is read before a run.
    Session(const GlobalOptions& global, Needs needs, std::string_view command);

    const GlobalOptions& global() const { return m_global; }

    /// The evaluator and what it was loaded from, on first use. Under --frozen the lock file
    /// is compared with the evaluation then (check_frozen), so no command evaluates without
    /// that check. Throws Error{Internal} for a command whose row says Needs::Nothing.
    EvalContext& eval();
    /// eval(); under --frozen each of `attrpaths` must also be in the lock file.
    EvalContext& eval(const std::vector<std::string>& attrpaths);
    /// The loaded manifests without the --frozen comparison: for `doctor`, which reports on
    /// them and evaluates nothing.
    EvalContext& unchecked_eval();
    /// Under --frozen: the comparison now (loads eval()); for a command that evaluates
    /// through contexts of its own (`mirror sync`, one per platform). Nothing otherwise.
    void check_frozen();
    /// The lock file --frozen compares with, instead of --lock (`lock -o FILE`); before eval().
    void set_lock_file(std::string path);

    /// The store, opened on first use. Throws Error{Internal} unless the row says Needs::Store.
    store::Store& store();

  private:
    void require(Needs level, std::string_view what) const;

    const GlobalOptions& m_global;
    Needs m_needs;
    std::string m_command;
    std::optional<EvalContext> m_eval;
    bool m_frozen_checked = false;
    std::string m_lock_file;
    std::unique_ptr<store::Store> m_store;
};

} // namespace cudapkgs::cli
