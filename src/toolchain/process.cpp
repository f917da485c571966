// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/toolchain/process.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/interrupt.hpp>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

namespace cudapkgs::toolchain {

namespace fs = std::filesystem;

std::string ProcessResult::describe() const {
    if (timed_out) {
        return fmt::format("timed out after {:.0f} s", seconds);
    }
    if (signal != 0) {
        return "killed by signal " + std::to_string(signal);
    }
    return "exit code " + std::to_string(exit_code);
}

std::optional<fs::path> find_executable(std::string_view name, std::string_view path) {
    if (name.empty()) {
        return std::nullopt;
    }
    if (name.find('/') != std::string_view::npos) {
        return ::access(std::string(name).c_str(), X_OK) == 0 ? std::optional(fs::path(name))
                                                              : std::nullopt;
    }
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        if (end == std::string_view::npos) {
            end = path.size();
        }
        fs::path dir(path.substr(start, end - start));
        fs::path candidate = (dir.empty() ? fs::path(".") : dir) / name;
        std::error_code ec;
        if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate, ec)) {
            return candidate;
        }
        start = end + 1;
    }
    return std::nullopt;
}

std::optional<std::string> env_get(const std::vector<std::string>& env, std::string_view name) {
    for (const auto& entry : env) {
        if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
            entry[name.size()] == '=') {
            return entry.substr(name.size() + 1);
        }
    }
    return std::nullopt;
}

void env_unset(std::vector<std::string>& env, std::string_view name) {
    std::erase_if(env, [&](const std::string& entry) {
        return entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
               entry[name.size()] == '=';
    });
}

void env_set(std::vector<std::string>& env, std::string_view name, std::string_view value) {
    env_unset(env, name);
    std::string entry(name);
    entry += '=';
    entry += value;
    env.push_back(std::move(entry));
}

std::string quote_command(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& arg : argv) {
        if (!out.empty()) {
            out += ' ';
        }
        bool plain =
            !arg.empty() && arg.find_first_of(" \t\n'\"\\$`;&|<>()*?[]{}!#~") == std::string::npos;
        if (plain) {
            out += arg;
            continue;
        }
        out += '\'';
        for (char c : arg) {
            out += c == '\'' ? std::string("'\\''") : std::string(1, c);
        }
        out += '\'';
    }
    return out;
}

std::vector<std::string> last_lines(std::string_view text, std::size_t count) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        lines.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
    if (lines.size() > count) {
        lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(count));
    }
    return lines;
}

namespace {

/// posix_spawn file actions, destroyed on scope exit.
class FileActions {
  public:
    FileActions() { ::posix_spawn_file_actions_init(&m_actions); }
    ~FileActions() { ::posix_spawn_file_actions_destroy(&m_actions); }
    FileActions(const FileActions&) = delete;
    FileActions& operator=(const FileActions&) = delete;
    posix_spawn_file_actions_t* get() { return &m_actions; }

  private:
    posix_spawn_file_actions_t m_actions{};
};

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (const auto& s : strings) {
        out.push_back(const_cast<char*>(s.c_str()));
    }
    out.push_back(nullptr);
    return out;
}

using Clock = std::chrono::steady_clock;

/// Reads what is available on `fd` into `out`; false at end of file.
bool drain(int fd, std::string& out) {
    std::array<char, 8192> buffer{};
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n > 0) {
        out.append(buffer.data(), static_cast<std::size_t>(n));
        return true;
    }
    return n < 0 && errno == EINTR;
}

void record_status(int status, ProcessResult& result) {
    if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
    }
}

/// Collects output (when `fd` >= 0) and the exit status, killing the child's process group at
/// the deadline. After SIGINT/SIGTERM reached cudapkgs the group gets SIGTERM, then SIGKILL
/// after a grace period, and the interrupt is rethrown once the child is reaped.
void supervise(pid_t pid, int fd, double timeout_seconds, Clock::time_point start,
               ProcessResult& result) {
    constexpr auto kGrace = std::chrono::seconds(2);
    const bool has_deadline = timeout_seconds > 0;
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(timeout_seconds));
    bool stopping = false;
    bool killed = false;
    Clock::time_point stop_requested;
    int status = 0;
    while (true) {
        const auto now = Clock::now();
        if (!stopping && util::interrupt_requested()) {
            ::kill(-pid, SIGTERM); // nvcc, make and cmake start children of their own
            stopping = true;
            stop_requested = now;
        }
        if (!killed &&
            ((has_deadline && now >= deadline) || (stopping && now - stop_requested >= kGrace))) {
            ::kill(-pid, SIGKILL);
            killed = true;
            result.timed_out = !stopping;
        }
        if (fd >= 0 && killed) {
            ::close(fd); // a grandchild may hold the pipe open: stop reading
            fd = -1;
        }
        if (fd >= 0) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 100) > 0 && !drain(fd, result.output)) {
                ::close(fd);
                fd = -1;
            }
            continue;
        }
        const bool must_watch = (has_deadline || stopping) && !killed;
        pid_t done = ::waitpid(pid, &status, must_watch ? WNOHANG : 0);
        if (done == pid) {
            break;
        }
        if (done < 0 && errno != EINTR) {
            fail(ErrorKind::Internal, "waitpid: {}", std::strerror(errno));
        }
        if (done == 0) {
            ::usleep(10000);
        }
    }
    record_status(status, result);
    if (stopping) {
        util::check_interrupt();
    }
}

} // namespace

ProcessResult run_process(const ProcessSpec& spec) {
    if (spec.argv.empty()) {
        fail(ErrorKind::Internal, "run_process: empty argv");
    }
    auto exe = find_executable(spec.argv[0], env_get(spec.env, "PATH").value_or("/usr/bin:/bin"));
    if (!exe) {
        fail(ErrorKind::BuildFailed, "cannot run '{}': not found or not executable", spec.argv[0]);
    }
    FileActions actions;
    int pipe_fds[2] = {-1, -1};
    if (spec.log_file.empty()) {
        if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
            fail(ErrorKind::Internal, "pipe: {}", std::strerror(errno));
        }
        ::posix_spawn_file_actions_adddup2(actions.get(), pipe_fds[1], STDOUT_FILENO);
        ::posix_spawn_file_actions_adddup2(actions.get(), pipe_fds[1], STDERR_FILENO);
    } else {
        ::posix_spawn_file_actions_addopen(actions.get(), STDOUT_FILENO, spec.log_file.c_str(),
                                           O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::posix_spawn_file_actions_adddup2(actions.get(), STDOUT_FILENO, STDERR_FILENO);
    }
    ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (!spec.cwd.empty()) {
        ::posix_spawn_file_actions_addchdir_np(actions.get(), spec.cwd.c_str());
    }
    auto argv = c_strings(spec.argv);
    auto envp = c_strings(spec.env);
    auto start = Clock::now();
    pid_t pid = 0;
    // The child leads a process group of its own, so a timeout or an interrupt ends everything
    // it started (make -j, nvcc's cicc and ptxas), not only the child.
    posix_spawnattr_t attr;
    ::posix_spawnattr_init(&attr);
    ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    ::posix_spawnattr_setpgroup(&attr, 0);
    int rc = ::posix_spawn(&pid, exe->c_str(), actions.get(), &attr, argv.data(), envp.data());
    ::posix_spawnattr_destroy(&attr);
    if (pipe_fds[1] >= 0) {
        ::close(pipe_fds[1]);
    }
    if (rc != 0) {
        if (pipe_fds[0] >= 0) {
            ::close(pipe_fds[0]);
        }
        fail(ErrorKind::BuildFailed, "cannot run '{}': {}", exe->string(), std::strerror(rc));
    }
    ProcessResult result;
    supervise(pid, pipe_fds[0], spec.timeout_seconds, start, result);
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return result;
}

namespace {

class SpawnRunner final : public ProcessRunner {
  public:
    ProcessResult run(const ProcessSpec& spec) override { return run_process(spec); }
};

} // namespace

ProcessRunner& spawn_runner() {
    static SpawnRunner runner;
    return runner;
}

} // namespace cudapkgs::toolchain
