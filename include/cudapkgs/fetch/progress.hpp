// SPDX-License-Identifier: Apache-2.0
// Turns fetch progress events into a live bar (terminal), periodic plain lines, or NDJSON.
#pragma once

#include <cudapkgs/fetch/fetcher.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace cudapkgs::fetch {

enum class ProgressStyle {
    None,  ///< nothing
    Bar,   ///< one redrawn line on a terminal: name, bytes, percentage, rate, ETA
    Plain, ///< a line per start/retry/finish and at most one progress line every 5 s
    Json,  ///< one JSON object per event (NDJSON), every event
};

/// Parses `auto|bar|plain|json|none`; `auto` is Bar on a terminal `stream`, else Plain.
/// Throws Error{Usage} on anything else.
ProgressStyle parse_progress_style(std::string_view text, std::FILE* stream);

/// Renders events to a stream (stderr by default). Thread-safe: fetch_all reports from one
/// thread, but `build -j` unpacks archives on several.
class ProgressRenderer {
  public:
    explicit ProgressRenderer(ProgressStyle style, std::FILE* stream = stderr)
        : m_style(style), m_stream(stream) {}

    /// Renders one event.
    void operator()(const ProgressEvent& event);
    /// A callback for Request::progress that renders through this object.
    ProgressFn callback() {
        return [this](const ProgressEvent& e) { (*this)(e); };
    }

  private:
    void render_bar(const ProgressEvent& event);
    void render_plain(const ProgressEvent& event);
    void render_json(const ProgressEvent& event);
    void render_plain_unpack(const ProgressEvent& event, std::chrono::steady_clock::time_point now);

    ProgressStyle m_style;
    std::FILE* m_stream;
    std::map<std::string, std::chrono::steady_clock::time_point> m_last_line;
    bool m_bar_open = false;
    std::mutex m_mutex;
};

/// `1.5 MiB`-style size.
std::string format_bytes(double bytes);
/// The name of a phase as used in NDJSON (`started`, `progress`, …).
std::string_view to_string(ProgressPhase phase);

} // namespace cudapkgs::fetch
