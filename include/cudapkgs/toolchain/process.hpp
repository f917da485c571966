// SPDX-License-Identifier: Apache-2.0
// Running a child process with an explicit argv and environment (posix_spawn, no shell).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::toolchain {

/// What to run. The environment is exactly `env` ("NAME=value" entries): nothing is inherited.
struct ProcessSpec {
    std::vector<std::string> argv{};  ///< argv[0] is a path or a name looked up in env's PATH
    std::vector<std::string> env{};   ///< the child's whole environment
    std::filesystem::path cwd{};      ///< empty = the current directory
    std::filesystem::path log_file{}; ///< stdout+stderr appended here; empty = captured in output
    double timeout_seconds = 0;       ///< > 0: SIGKILL after this long (timed_out is set)
};

/// How it ended.
struct ProcessResult {
    int exit_code = -1; ///< -1 when killed by a signal
    int signal = 0;     ///< the signal that killed it, else 0
    bool timed_out = false;
    std::string output; ///< stdout+stderr when no log file was given
    double seconds = 0;

    bool ok() const noexcept { return exit_code == 0; }
    /// "exit code 2", "killed by signal 9" or "timed out after 5 s".
    std::string describe() const;
};

/// Runs the process to completion with posix_spawn; throws Error{BuildFailed} when it cannot
/// be started (argv[0] not found or not executable).
ProcessResult run_process(const ProcessSpec& spec);

/// The one way cudapkgs runs child processes (postInstall, the host-compiler probe, nvcc and
/// cmake): an explicit environment, captured or logged output, and a timeout after which the
/// child is killed. Tests substitute a fake.
class ProcessRunner {
  public:
    virtual ~ProcessRunner() = default;
    /// Runs `spec` to completion; throws Error{BuildFailed} when it cannot be started.
    virtual ProcessResult run(const ProcessSpec& spec) = 0;
};

/// The posix_spawn runner (run_process); stateless, so safe from several threads.
ProcessRunner& spawn_runner();

/// Looks `name` up in a colon-separated PATH; a name with a '/' is returned as is if executable.
std::optional<std::filesystem::path> find_executable(std::string_view name, std::string_view path);

/// The value of NAME in an "NAME=value" list, if present.
std::optional<std::string> env_get(const std::vector<std::string>& env, std::string_view name);
/// Sets (replaces or appends) NAME=value in an environment list.
void env_set(std::vector<std::string>& env, std::string_view name, std::string_view value);
/// Removes every NAME=… entry.
void env_unset(std::vector<std::string>& env, std::string_view name);

/// Renders argv for logs, quoting arguments with spaces or shell metacharacters.
std::string quote_command(const std::vector<std::string>& argv);

/// The last `count` lines of a text (for error notes).
std::vector<std::string> last_lines(std::string_view text, std::size_t count);

} // namespace cudapkgs::toolchain
