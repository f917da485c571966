// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs {

/// What went wrong, which also decides the exit code (docs/errors.md).
enum class ErrorKind {
    Internal,     ///< a bug: exit 1
    Usage,        ///< bad command line: exit 2
    InvalidInput, ///< bad manifest/fixup/overlay/config, unknown attribute, unfree, platform: exit
                  ///< 3
    Fetch,        ///< network failure after retries: exit 4
    Integrity,    ///< hash/size mismatch, unsafe archive, malformed ELF: exit 5
    BuildFailed,  ///< a build step failed: exit 6
    Environment,  ///< the machine stops us (permission, read-only file system, missing
                  ///< directory, too many open files): exit 7
    TestSkipped,  ///< no usable GPU: exit 77
    Interrupted,  ///< SIGINT/SIGTERM: exit 130 (143 for SIGTERM, chosen by the CLI)
};

/// The exit code documented for an error kind.
int exit_code(ErrorKind kind) noexcept;

/// The one error type of cudapkgs: a kind, a message, notes and an optional origin
/// (`file:line:col` or `file`), rendered by the CLI's single handler.
class Error : public std::runtime_error {
  public:
    Error(ErrorKind kind, std::string message, std::string origin = {})
        : std::runtime_error(std::move(message)), m_kind(kind), m_origin(std::move(origin)) {}

    ErrorKind kind() const noexcept { return m_kind; }
    const std::string& origin() const noexcept { return m_origin; }
    const std::vector<std::string>& notes() const noexcept { return m_notes; }

    /// Adds a `note:` line (context added on the way up; the error is rethrown unchanged).
    Error& add_note(std::string note) {
        m_notes.push_back(std::move(note));
        return *this;
    }
    Error& set_origin(std::string origin) {
        m_origin = std::move(origin);
        return *this;
    }

  private:
    ErrorKind m_kind;
    std::string m_origin;
    std::vector<std::string> m_notes;
};

/// How serious an error kind is when several happened (`build --keep-going`): the exit code is
/// that of the most serious. Interrupted > Internal > Integrity > Environment > BuildFailed >
/// Fetch > InvalidInput > Usage > TestSkipped.
int severity(ErrorKind kind) noexcept;

/// Several independent failures, each kept whole; its kind is the most serious of theirs.
class ErrorList : public Error {
  public:
    /// `errors` must not be empty; `summary` is the first line ("2 packages failed to build").
    ErrorList(std::string summary, std::vector<Error> errors);
    const std::vector<Error>& errors() const noexcept { return m_errors; }

  private:
    std::vector<Error> m_errors;
};

/// Shorthand: throw Error{kind, fmt::format(...)}.
template <typename... Args>
[[noreturn]] void fail(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args) {
    throw Error(kind, fmt::format(format, std::forward<Args>(args)...));
}

/// Renders an error as `cudapkgs: error: …` (or `origin: error: …`) plus `note:` lines; an
/// ErrorList as its summary, then one such block per error.
std::string render_error(const Error& error, bool color = false);

} // namespace cudapkgs
