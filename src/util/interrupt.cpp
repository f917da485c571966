// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/interrupt.hpp>

#include <atomic>
#include <csignal>
#include <cstring>

namespace cudapkgs::util {

namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_stop_signal(int signal) {
    g_signal = signal;
    // A second signal of either kind ends the process at once: restore the default actions.
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
}

} // namespace

void install_interrupt_handlers() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; // no SA_RESTART: blocking calls return EINTR and reach a safe point
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

int interrupt_signal() noexcept {
    return g_signal;
}

void check_interrupt() {
    if (int s = g_signal; s != 0) {
        Error e(ErrorKind::Interrupted,
                s == SIGTERM ? "terminated (SIGTERM)" : "interrupted (SIGINT)");
        e.add_note("the store holds only complete paths; partial downloads (.part) are kept and "
                   "resumed by the next run");
        throw e;
    }
}

int interrupt_exit_code() noexcept {
    return g_signal == SIGTERM ? 143 : 130;
}

void reset_interrupt() noexcept {
    g_signal = 0;
}

void simulate_interrupt(int signal) noexcept {
    g_signal = signal;
}

} // namespace cudapkgs::util
