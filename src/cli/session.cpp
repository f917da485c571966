// SPDX-License-Identifier: Apache-2.0
#include "session.hpp"

#include "frozen.hpp"

#include <cudapkgs/util/error.hpp>

namespace cudapkgs::cli {

Session::Session(const GlobalOptions& global, Needs needs, std::string_view command)
    : m_global(global), m_needs(needs), m_command(command) {}

void Session::require(Needs level, std::string_view what) const {
    if (static_cast<int>(m_needs) < static_cast<int>(level)) {
        fail(ErrorKind::Internal,
             "command '{}' uses {} but its row in the command table does "
             "not say so (src/cli/commands.cpp)",
             m_command, what);
    }
}

EvalContext& Session::unchecked_eval() {
    require(Needs::Manifests, "the manifests");
    if (!m_eval) {
        m_eval.emplace(make_eval_context(m_global));
        if (!m_lock_file.empty()) {
            m_eval->lock_file = m_lock_file;
        }
    }
    return *m_eval;
}

EvalContext& Session::eval() {
    return eval({});
}

EvalContext& Session::eval(const std::vector<std::string>& attrpaths) {
    EvalContext& ctx = unchecked_eval();
    if (!m_frozen_checked) {
        cli::check_frozen(ctx, attrpaths); // the whole comparison, once
        m_frozen_checked = true;
    } else if (!attrpaths.empty()) {
        check_locked(ctx, attrpaths);
    }
    return ctx;
}

void Session::check_frozen() {
    if (frozen_requested(m_global)) {
        eval();
    }
}

void Session::set_lock_file(std::string path) {
    m_lock_file = std::move(path);
    if (m_eval) {
        m_eval->lock_file = m_lock_file;
    }
}

store::Store& Session::store() {
    require(Needs::Store, "the store");
    if (!m_store) {
        m_store = std::make_unique<store::Store>(store_dir(m_global));
    }
    return *m_store;
}

} // namespace cudapkgs::cli
