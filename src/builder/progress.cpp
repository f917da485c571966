// SPDX-License-Identifier: Apache-2.0
#include "progress.hpp"

#include <spdlog/spdlog.h>

namespace cudapkgs::builder {

UnpackProgress::UnpackProgress(const InstallContext& ctx, std::uint64_t total) : m_ctx(ctx) {
    m_event.kind = fetch::ProgressKind::Unpack;
    m_event.name = ctx.archive.filename().string();
    m_event.url = ctx.archive.string();
    m_event.total = total;
    emit(fetch::ProgressPhase::Started);
}

void UnpackProgress::update(std::uint64_t done) {
    const auto now = std::chrono::steady_clock::now();
    if (now - m_last < std::chrono::milliseconds(200)) {
        return;
    }
    m_last = now;
    m_event.done = done;
    const double seconds = std::chrono::duration<double>(now - m_start).count();
    m_event.rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
    emit(fetch::ProgressPhase::Progress);
}

void UnpackProgress::finish() {
    m_event.done = m_event.total;
    emit(fetch::ProgressPhase::Finished);
}

void UnpackProgress::emit(fetch::ProgressPhase phase) {
    if (m_ctx.progress) {
        m_event.phase = phase;
        m_ctx.progress(m_event);
    }
}

void PhaseTimer::done(std::string_view phase) {
    const auto now = std::chrono::steady_clock::now();
    spdlog::debug("{}: {} in {} ms", m_attrpath, phase,
                  std::chrono::duration_cast<std::chrono::milliseconds>(now - m_last).count());
    m_last = now;
}

} // namespace cudapkgs::builder
