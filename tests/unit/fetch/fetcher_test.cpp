// SPDX-License-Identifier: Apache-2.0
// The fetcher through file:// URLs (no server needed); HTTP faults are covered by
// tests/e2e/test_fetch.py against mirror_server.py.
#include <cudapkgs/fetch/fetcher.hpp>
#include <cudapkgs/util/file.hpp>
#include <cudapkgs/util/file_stamp.hpp>
#include <cudapkgs/util/hash.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

using namespace cudapkgs;
using namespace cudapkgs::fetch;
namespace fs = std::filesystem;

namespace {

std::string pattern(std::size_t size) {
    std::string data(size, '\0');
    std::uint32_t x = 12345;
    for (auto& c : data) {
        x = x * 1103515245u + 12345u;
        c = static_cast<char>(x >> 24);
    }
    return data;
}

struct Fixture {
    util::ScopedTempDir dir;
    std::string data = pattern(200000);
    fs::path source = dir.path() / "source.bin";
    Fixture() { util::write_file_atomic(source, data); }

    Request request(const std::string& name) const {
        Request r;
        r.urls = {"file://" + source.string()};
        r.sha256 = util::sha256_hex(data);
        r.size = data.size();
        r.dest = dir.path() / name;
        return r;
    }
    std::vector<Result> run(std::vector<Request> requests, bool offline = false) const {
        FetchOptions options;
        options.offline = offline;
        options.retry.base_delay = std::chrono::milliseconds(1);
        return make_fetcher(options)->fetch_all(std::move(requests));
    }
};

} // namespace

TEST_CASE("file:// download is verified and renamed into place", "[fetch]") {
    Fixture f;
    std::vector<ProgressPhase> phases;
    Request r = f.request("out.bin");
    r.progress = [&](const ProgressEvent& e) { phases.push_back(e.phase); };
    auto results = f.run({r});
    REQUIRE(results.size() == 1);
    REQUIRE_FALSE(results[0].error);
    CHECK(util::read_file(f.dir.path() / "out.bin") == f.data);
    CHECK_FALSE(fs::exists(f.dir.path() / "out.bin.part"));
    CHECK(results[0].bytes_transferred == f.data.size());
    REQUIRE(phases.size() >= 2);
    CHECK(phases.front() == ProgressPhase::Started);
    CHECK(phases.back() == ProgressPhase::Finished);

    // Second run: already there, nothing transferred.
    auto again = f.run({f.request("out.bin")});
    CHECK(again[0].already_present);
    CHECK(again[0].bytes_transferred == 0);
}

TEST_CASE("a hash mismatch is an Integrity error and leaves nothing behind", "[fetch]") {
    Fixture f;
    Request r = f.request("out.bin");
    r.sha256 = std::string(64, '0');
    auto results = f.run({r});
    REQUIRE(results[0].error);
    CHECK(results[0].error->kind() == ErrorKind::Integrity);
    std::string message = results[0].error->what();
    CHECK(message.find("hash mismatch for file://") != std::string::npos);
    CHECK_FALSE(fs::exists(f.dir.path() / "out.bin"));
    CHECK_FALSE(fs::exists(f.dir.path() / "out.bin.part"));
    CHECK_THROWS_AS(throw_first_error(results), Error);
}

TEST_CASE("an existing .part is resumed, a bad one restarted", "[fetch]") {
    Fixture f;
    SECTION("good prefix: only the rest is read") {
        util::write_file_atomic(f.dir.path() / "out.bin.part", f.data.substr(0, 150000));
        auto results = f.run({f.request("out.bin")});
        REQUIRE_FALSE(results[0].error);
        CHECK(results[0].resumed_from == 150000);
        CHECK(results[0].bytes_transferred == f.data.size() - 150000);
    }
    SECTION("wrong prefix: one fresh retry succeeds") {
        util::write_file_atomic(f.dir.path() / "out.bin.part", std::string(1000, 'x'));
        auto results = f.run({f.request("out.bin")});
        REQUIRE_FALSE(results[0].error);
        CHECK(results[0].attempts == 2);
    }
    SECTION("longer than expected: discarded") {
        util::write_file_atomic(f.dir.path() / "out.bin.part", f.data + "extra");
        auto results = f.run({f.request("out.bin")});
        REQUIRE_FALSE(results[0].error);
    }
    CHECK(util::read_file(f.dir.path() / "out.bin") == f.data);
}

TEST_CASE("missing file:// URL falls through to the next one", "[fetch]") {
    Fixture f;
    Request r = f.request("out.bin");
    r.urls.insert(r.urls.begin(), "file://" + (f.dir.path() / "missing.bin").string());
    auto results = f.run({r});
    REQUIRE_FALSE(results[0].error);
    CHECK(results[0].url == r.urls[1]);

    Request only_missing = f.request("other.bin");
    only_missing.urls = {"file://" + (f.dir.path() / "missing.bin").string()};
    auto failed = f.run({only_missing});
    REQUIRE(failed[0].error);
    CHECK(failed[0].error->kind() == ErrorKind::Fetch);
    CHECK_FALSE(fs::exists(f.dir.path() / "other.bin.part"));
}

TEST_CASE("many requests in parallel each get their own result", "[fetch]") {
    Fixture f;
    std::vector<Request> requests;
    for (int i = 0; i < 6; ++i) {
        requests.push_back(f.request("out" + std::to_string(i) + ".bin"));
    }
    requests[3].sha256 = std::string(64, 'a');
    FetchOptions options;
    options.jobs = 2;
    auto results = make_fetcher(options)->fetch_all(requests);
    REQUIRE(results.size() == 6);
    for (int i = 0; i < 6; ++i) {
        CHECK(static_cast<bool>(results[static_cast<std::size_t>(i)].error) == (i == 3));
    }
    CHECK(util::read_file(f.dir.path() / "out5.bin") == f.data);
}

TEST_CASE("offline fetcher refuses network URLs without trying them", "[fetch]") {
    Fixture f;
    Request r = f.request("out.bin");
    r.urls = {"https://user:pw1234@127.0.0.1:9/x.tar.xz"};
    auto results = f.run({r}, true);
    REQUIRE(results[0].error);
    CHECK(results[0].error->kind() == ErrorKind::Fetch);
    std::string rendered = render_error(*results[0].error);
    CHECK(rendered.find("offline") != std::string::npos);
    CHECK(rendered.find("mirror sync") != std::string::npos);
    CHECK(rendered.find("pw1234") == std::string::npos);

    Request mixed = f.request("mixed.bin");
    mixed.urls.insert(mixed.urls.begin(), "http://127.0.0.1:9/x");
    auto ok = f.run({mixed}, true);
    CHECK_FALSE(ok[0].error);
}

TEST_CASE("throw_first_error prefers integrity errors", "[fetch]") {
    std::vector<Result> results(3);
    results[0].error = Error(ErrorKind::Fetch, "net");
    results[2].error = Error(ErrorKind::Integrity, "hash");
    try {
        throw_first_error(results);
        FAIL("no throw");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Integrity);
    }
    CHECK_NOTHROW(throw_first_error(std::vector<Result>(2)));
}

TEST_CASE("FetchOptions::load_env reads the tuning variables", "[fetch]") {
    ::setenv("CUDAPKGS_FETCH_RETRIES", "2", 1);
    ::setenv("CUDAPKGS_FETCH_BACKOFF_MS", "50", 1);
    ::setenv("CUDAPKGS_LOW_SPEED_TIME", "3", 1);
    FetchOptions options;
    options.load_env();
    CHECK(options.retry.max_attempts == 2);
    CHECK(options.retry.base_delay == std::chrono::milliseconds(50));
    CHECK(options.low_speed_time == std::chrono::seconds(3));
    ::setenv("CUDAPKGS_FETCH_RETRIES", "two", 1);
    CHECK_THROWS_AS(FetchOptions{}.load_env(), Error);
    ::unsetenv("CUDAPKGS_FETCH_RETRIES");
    ::unsetenv("CUDAPKGS_FETCH_BACKOFF_MS");
    ::unsetenv("CUDAPKGS_LOW_SPEED_TIME");
}

TEST_CASE("a file:// archive is verified in place instead of copied", "[fetch]") {
    Fixture f;
    const std::string sha = util::sha256_hex(f.data);
    auto local = verify_in_place("file://" + f.source.string(), f.data.size(), sha);
    REQUIRE(local);
    CHECK(local->path == f.source);
    CHECK(util::stamp_of_path(f.source) == local->stamp);

    // Percent-encoded characters and an explicit localhost are the same file.
    const fs::path spaced = f.dir.path() / "with space.bin";
    fs::copy_file(f.source, spaced);
    auto encoded = verify_in_place("file://localhost" + f.dir.path().string() + "/with%20space.bin",
                                   f.data.size(), sha);
    REQUIRE(encoded);
    CHECK(encoded->path == spaced);

    // Anything else is left to the fetcher, which explains the failure.
    CHECK_FALSE(verify_in_place("file://" + f.source.string(), f.data.size() + 1, sha));
    CHECK_FALSE(verify_in_place("file://" + f.source.string(), f.data.size(),
                                util::sha256_hex("something else")));
    CHECK_FALSE(
        verify_in_place("file://" + f.dir.path().string() + "/missing.bin", f.data.size(), sha));
    CHECK_FALSE(verify_in_place("file://" + f.dir.path().string(), 0, util::sha256_hex("")));
    CHECK_FALSE(verify_in_place("file://otherhost" + f.source.string(), f.data.size(), sha));
    CHECK_FALSE(verify_in_place("http://127.0.0.1:1" + f.source.string(), f.data.size(), sha));
}
