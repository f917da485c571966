// SPDX-License-Identifier: Apache-2.0
// SIGINT/SIGTERM: the first one asks the running step to stop at its next safe point (the step
// throws Error{Interrupted}, unwinding removes temporary files and releases locks); a second one
// ends the process at once (the default action), which the store's atomic commit survives.
#pragma once

namespace cudapkgs::util {

/// Installs the SIGINT and SIGTERM handlers (once, from the CLI's main).
void install_interrupt_handlers();
/// The signal that asked to stop (SIGINT or SIGTERM), or 0.
int interrupt_signal() noexcept;
/// True once a stop was asked for.
inline bool interrupt_requested() noexcept {
    return interrupt_signal() != 0;
}
/// Throws Error{Interrupted} naming the signal when a stop was asked for; call at safe points.
void check_interrupt();
/// The exit code for the signal that stopped the process: 130 (SIGINT), 143 (SIGTERM).
int interrupt_exit_code() noexcept;
/// For tests: forget a request.
void reset_interrupt() noexcept;
/// For tests: behave as if `signal` had arrived.
void simulate_interrupt(int signal) noexcept;

} // namespace cudapkgs::util
