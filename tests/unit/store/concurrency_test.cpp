// SPDX-License-Identifier: Apache-2.0
// Several processes on one store, and processes killed in the middle of a commit.
#include "store_test_support.hpp"

#include <cudapkgs/util/file.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <random>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace cudapkgs::store;
using cudapkgs::storepath::StorePath;
using test::make_path;
namespace fs = std::filesystem;

namespace {

/// Runs `body` in a child process; the child's exit status is body's return value (or 99 on
/// an exception). Returns the pid.
pid_t spawn(const std::function<int()>& body) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int rc = 99;
        try {
            rc = body();
        } catch (...) {
        }
        ::_exit(rc);
    }
    return pid;
}

int wait_status(pid_t pid) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    return status;
}

void append_line(const fs::path& file, const std::string& line) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    std::string text = line + "\n";
    (void)!::write(fd, text.data(), text.size());
    ::close(fd);
}

std::size_t count_lines(const fs::path& file) {
    if (!fs::exists(file)) {
        return 0;
    }
    auto text = cudapkgs::util::read_file(file);
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

/// The store holds exactly its registered paths, no build directories, and verifies.
void check_consistent(const fs::path& root) {
    Store store(root);
    CHECK(store.verify().ok());
    CHECK(fs::is_empty(root / ".cudapkgs" / "tmp"));
    for (const auto& entry : fs::directory_iterator(root)) {
        if (auto p = StorePath::find_parse(entry.path().filename().string())) {
            CHECK(store.is_valid(*p));
        }
    }
}

} // namespace

TEST_CASE("four processes building one path: one builds, all reuse it", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    fs::path root = tmp.path() / "store";
    fs::path counter = tmp.path() / "builds";
    auto p = make_path("shared-1.0");
    { Store init(root); }
    std::vector<pid_t> children;
    for (int i = 0; i < 4; ++i) {
        children.push_back(spawn([&] {
            Store store(root);
            auto locks = store.lock_paths({p});
            if (!store.is_valid(p)) {
                append_line(counter, "built");
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                auto dir = store.make_build_dir();
                test::write(dir.path() / "data", "shared");
                store.commit(locks, CommitOutput{std::move(dir), p, {}, {}});
            }
            return store.is_valid(p) ? 0 : 1;
        }));
    }
    for (pid_t pid : children) {
        int status = wait_status(pid);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    CHECK(count_lines(counter) == 1);
    check_consistent(root);
}

TEST_CASE("a process killed at each commit stage leaves a valid path or nothing", "[store]") {
    using Stage = CommitStage;
    auto stage = GENERATE(Stage::Sealed, Stage::Renamed, Stage::Registered);
    auto use_sigkill = GENERATE(false, true);
    cudapkgs::util::ScopedTempDir tmp;
    fs::path root = tmp.path() / "store";
    auto out = make_path("pkg-1.0");
    auto dev = make_path("pkg-1.0-dev");
    { Store init(root); }
    pid_t pid = spawn([&] {
        StoreOptions options;
        options.commit_hook = [&](Stage s, const StorePath& path) {
            if (s == stage && path == dev) { // after the first output went through the stage
                if (use_sigkill) {
                    ::raise(SIGKILL);
                }
                ::_exit(42);
            }
        };
        Store store(root, options);
        auto locks = store.lock_paths({out, dev});
        std::vector<CommitOutput> outputs;
        outputs.push_back({store.make_build_dir(), out, {dev}, {}});
        outputs.push_back({store.make_build_dir(), dev, {}, {}});
        test::write(outputs[0].dir.path() / "lib" / "a.so", "a");
        test::write(outputs[1].dir.path() / "include" / "a.h", "h");
        store.commit_outputs(locks, std::move(outputs));
        return 0;
    });
    int status = wait_status(pid);
    CHECK((use_sigkill ? WIFSIGNALED(status) : WIFEXITED(status) && WEXITSTATUS(status) == 42));

    check_consistent(root);
    Store store(root);
    const bool registered = stage == Stage::Registered;
    CHECK(store.is_valid(out) == registered);
    CHECK(store.is_valid(dev) == registered);
    CHECK(fs::exists(store.to_absolute(out)) == registered);
    if (!registered) { // and a rebuild succeeds
        test::build_simple(store, dev);
        test::build_simple(store, out, {dev});
        CHECK(store.verify().ok());
    }
}

TEST_CASE("SIGKILL at random moments during commits never leaves a half-valid path", "[store]") {
    cudapkgs::util::ScopedTempDir tmp;
    fs::path root = tmp.path() / "store";
    { Store init(root); }
    std::mt19937 rng(12345);
    std::uniform_int_distribution<int> delay_us(0, 40000);
    for (int run = 0; run < 12; ++run) {
        pid_t pid = spawn([&] {
            Store store(root);
            for (int i = 0;; ++i) {
                auto p = make_path(fmt::format("run{}-{}", run, i));
                auto locks = store.lock_paths({p});
                auto dir = store.make_build_dir();
                for (int f = 0; f < 20; ++f) {
                    test::write(dir.path() / fmt::format("d{}/f{}", f % 4, f),
                                std::string(4096, static_cast<char>('a' + f)));
                }
                store.commit(locks, CommitOutput{std::move(dir), p, {}, {}});
            }
            return 0;
        });
        std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
        ::kill(pid, SIGKILL);
        wait_status(pid);
        check_consistent(root);
    }
}

TEST_CASE("eight processes opening a new store at once all succeed", "[store]") {
    // The first open creates the database, switches it to WAL and writes the schema; done by
    // several processes at the same moment this must not fail with "database is locked".
    cudapkgs::util::ScopedTempDir tmp;
    int failures = 0;
    for (int round = 0; round < 15; ++round) {
        const fs::path root = tmp.path() / ("s" + std::to_string(round));
        std::vector<pid_t> pids;
        for (int i = 0; i < 8; ++i) {
            pids.push_back(spawn([&] {
                Store store(root);
                return store.list().empty() ? 0 : 1;
            }));
        }
        for (pid_t pid : pids) {
            int status = wait_status(pid);
            failures += WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
        }
    }
    CHECK(failures == 0);
}
