// SPDX-License-Identifier: Apache-2.0
// Progress of one package's install: unpack events for the CLI, phase timings for -v.
#pragma once

#include "install.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace cudapkgs::builder {

/// Progress events for the unpacking of a package's archive: started, at most five progress
/// events a second, finished.
class UnpackProgress {
  public:
    UnpackProgress(const InstallContext& ctx, std::uint64_t total);
    void update(std::uint64_t done);
    void finish();

  private:
    void emit(fetch::ProgressPhase phase);
    const InstallContext& m_ctx;
    fetch::ProgressEvent m_event;
    std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point m_last = m_start;
};

/// Logs (at -v) how long each phase of a build took.
class PhaseTimer {
  public:
    explicit PhaseTimer(std::string attrpath) : m_attrpath(std::move(attrpath)) {}
    void done(std::string_view phase);

  private:
    std::string m_attrpath;
    std::chrono::steady_clock::time_point m_last = std::chrono::steady_clock::now();
};

} // namespace cudapkgs::builder
