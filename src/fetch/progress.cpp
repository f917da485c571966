// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/fetch/progress.hpp>
#include <cudapkgs/util/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

namespace cudapkgs::fetch {

namespace {

constexpr auto kPlainInterval = std::chrono::seconds(5);

std::string format_eta(const ProgressEvent& e) {
    if (e.rate <= 0 || e.done >= e.total) {
        return "--:--";
    }
    auto seconds = static_cast<long long>(static_cast<double>(e.total - e.done) / e.rate);
    return fmt::format("{:02}:{:02}", seconds / 60, seconds % 60);
}

double percent(const ProgressEvent& e) {
    return e.total == 0 ? 100.0
                        : 100.0 * static_cast<double>(e.done) / static_cast<double>(e.total);
}

} // namespace

std::string_view to_string(ProgressPhase phase) {
    switch (phase) {
    case ProgressPhase::Started:
        return "started";
    case ProgressPhase::Progress:
        return "progress";
    case ProgressPhase::Retrying:
        return "retrying";
    case ProgressPhase::Finished:
        return "finished";
    case ProgressPhase::Failed:
        return "failed";
    }
    return "progress";
}

std::string format_bytes(double bytes) {
    static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int unit = 0;
    while (bytes >= 1024.0 && unit < 4) {
        bytes /= 1024.0;
        ++unit;
    }
    return unit == 0 ? fmt::format("{:.0f} B", bytes)
                     : fmt::format("{:.1f} {}", bytes, kUnits[unit]);
}

ProgressStyle parse_progress_style(std::string_view text, std::FILE* stream) {
    if (text == "auto") {
        return ::isatty(::fileno(stream)) != 0 ? ProgressStyle::Bar : ProgressStyle::Plain;
    }
    if (text == "bar") {
        return ProgressStyle::Bar;
    }
    if (text == "plain") {
        return ProgressStyle::Plain;
    }
    if (text == "json") {
        return ProgressStyle::Json;
    }
    if (text == "none") {
        return ProgressStyle::None;
    }
    fail(ErrorKind::Usage, "unknown progress style '{}' (auto, bar, plain, json, none)", text);
}

void ProgressRenderer::operator()(const ProgressEvent& event) {
    std::lock_guard lock(m_mutex);
    switch (m_style) {
    case ProgressStyle::None:
        return;
    case ProgressStyle::Bar:
        render_bar(event);
        return;
    case ProgressStyle::Plain:
        render_plain(event);
        return;
    case ProgressStyle::Json:
        render_json(event);
        return;
    }
}

void ProgressRenderer::render_bar(const ProgressEvent& e) {
    if (e.phase == ProgressPhase::Progress || e.phase == ProgressPhase::Started) {
        constexpr int kWidth = 24;
        int filled = static_cast<int>(percent(e) * kWidth / 100.0);
        std::string bar(static_cast<std::size_t>(filled), '#');
        bar.resize(kWidth, '.');
        fmt::print(m_stream, "\r\x1b[2K{}{} [{}] {:>5.1f}% {} / {}  {}/s  ETA {}",
                   e.kind == ProgressKind::Unpack ? "unpacking " : "", e.name, bar, percent(e),
                   format_bytes(static_cast<double>(e.done)),
                   format_bytes(static_cast<double>(e.total)), format_bytes(e.rate), format_eta(e));
        m_bar_open = true;
    } else {
        if (m_bar_open) {
            fmt::print(m_stream, "\r\x1b[2K");
            m_bar_open = false;
        }
        render_plain(e);
    }
    std::fflush(m_stream);
}

void ProgressRenderer::render_plain(const ProgressEvent& e) {
    auto now = std::chrono::steady_clock::now();
    if (e.kind == ProgressKind::Unpack) {
        render_plain_unpack(e, now);
        return;
    }
    switch (e.phase) {
    case ProgressPhase::Started:
        fmt::print(m_stream, "fetching {} from {}{}\n", e.name, e.url,
                   e.done > 0
                       ? fmt::format(" (resuming at {})", format_bytes(static_cast<double>(e.done)))
                       : std::string());
        m_last_line[e.name] = now;
        break;
    case ProgressPhase::Progress: {
        auto& last = m_last_line[e.name];
        if (now - last < kPlainInterval) {
            return;
        }
        last = now;
        fmt::print(m_stream, "{}: {} / {} ({:.0f}%), {}/s, ETA {}\n", e.name,
                   format_bytes(static_cast<double>(e.done)),
                   format_bytes(static_cast<double>(e.total)), percent(e), format_bytes(e.rate),
                   format_eta(e));
        break;
    }
    case ProgressPhase::Retrying:
        fmt::print(m_stream, "{}: {}\n", e.name, e.message);
        break;
    case ProgressPhase::Finished:
        fmt::print(m_stream, "{} {} ({})\n", e.message.empty() ? "fetched" : e.message, e.name,
                   format_bytes(static_cast<double>(e.total)));
        break;
    case ProgressPhase::Failed:
        break; // the error itself is printed by the CLI's handler
    }
    std::fflush(m_stream);
}

void ProgressRenderer::render_plain_unpack(const ProgressEvent& e,
                                           std::chrono::steady_clock::time_point now) {
    auto& last = m_last_line["unpack:" + e.name];
    switch (e.phase) {
    case ProgressPhase::Started:
        fmt::print(m_stream, "unpacking {} ({})\n", e.name,
                   format_bytes(static_cast<double>(e.total)));
        last = now;
        break;
    case ProgressPhase::Progress:
        if (now - last < kPlainInterval) {
            return;
        }
        last = now;
        fmt::print(m_stream, "unpacking {}: {:.0f}%, {}/s, ETA {}\n", e.name, percent(e),
                   format_bytes(e.rate), format_eta(e));
        break;
    case ProgressPhase::Finished:
        fmt::print(m_stream, "unpacked {}\n", e.name);
        break;
    case ProgressPhase::Retrying:
    case ProgressPhase::Failed:
        break;
    }
}

void ProgressRenderer::render_json(const ProgressEvent& e) {
    nlohmann::json line = {{"event", e.kind == ProgressKind::Unpack ? "unpack" : "fetch"},
                           {"phase", to_string(e.phase)},
                           {"name", e.name},
                           {"url", e.url},
                           {"done", e.done},
                           {"total", e.total},
                           {"rate", e.rate}};
    if (!e.message.empty()) {
        line["message"] = e.message;
    }
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    fmt::print(m_stream, "{}\n", text);
    std::fflush(m_stream);
}

} // namespace cudapkgs::fetch
