// SPDX-License-Identifier: Apache-2.0
#include "builder/builder_fixture.hpp"

#include <cudapkgs/elf/elf_file.hpp>
#include <cudapkgs/elf/resolve.hpp>
#include <cudapkgs/util/error.hpp>

#include <catch2/catch.hpp>

#include <algorithm>

using namespace cudapkgs;
using namespace cudapkgs::builder::test;
using nlohmann::json;

namespace {

/// libbar: every step kind, and files for every routing rule.
PackageSpec libbar(const World& w) {
    PackageSpec p;
    p.name = "libbar";
    p.files = {{"lib/libbar.so.1", w.elf("libbar.so.1")},
               {"lib/libbar_static.a", "not really an archive"},
               {"lib/pkgconfig/bar.pc", "prefix=@PREFIX@\n"},
               {"include/bar/bar.h", "int bar(void);\n"},
               {"share/extra/notes.txt", "notes\n"},
               {"share/doc/README", "read me\n"},
               {"LICENSE", "MIT\n"}};
    p.executables = {{"bin/bar-config", "#!/bin/sh\necho @PREFIX@\n"}};
    p.rules =
        json::array({{{"outputs", {{"add", {"lib", "dev", "include", "bin", "doc", "static"}}}}},
                     {{"remove", {"lib/libbar_static.a"}},
                      {"move", {{{"from", "include/bar"}, {"to", "include"}}}},
                      {"outputPatterns", {{"dev", {"share/extra"}}}},
                      {"symlinks",
                       {{{"path", "lib/libbar.so"}, {"target", "libbar.so.1"}},
                        {{"path", "lib/libmissing.so"}, {"target", "libmissing.so.1"}}}},
                      {"substitute",
                       {{{"file", "bin/bar-config"},
                         {"replace", {{{"from", "@PREFIX@"}, {"to", "${lib}"}}}},
                         {"append", {"# patched"}}}}},
                      {"elf",
                       {{"addNeeded", {{{"files", "lib/libbar.so.1"}, {"libs", {"libm.so.6"}}}}},
                        {"runpath", {{{"files", "lib/libbar.so.1"}, {"add", {"${out}/extra"}}}}}}},
                      {"postInstall", "echo \"$lib\" > post.txt"}}});
    return p;
}

PackageSpec libfoo(const World& w) {
    PackageSpec p;
    p.name = "libfoo";
    p.files = {{"lib/libfoo.so", w.elf("libfoo.so")}};
    p.rules = json::array({{{"outputs", {{"add", {"lib"}}}}, {"dependencies", {"libbar"}}}});
    return p;
}

PackageSpec needy(const World& w, const std::string& name, bool ignore) {
    PackageSpec p;
    p.name = name;
    p.files = {{"lib/libneedy.so", w.elf("libneedy.so")}};
    p.rules = json::array({{{"outputs", {{"add", {"lib"}}}}}});
    if (ignore) {
        p.rules.push_back({{"ignoreMissing", {"libnotthere.so"}}});
    }
    return p;
}

std::filesystem::path out_path(World& w, const std::string& attr, const std::string& output) {
    return w.store_root() / w.derivation(attr).outputs.at(output).to_string();
}

bool tmp_is_empty(const World& w) {
    const auto tmp = w.store_root() / ".cudapkgs" / "tmp";
    return !std::filesystem::exists(tmp) ||
           std::filesystem::directory_iterator(tmp) == std::filesystem::directory_iterator();
}

} // namespace

TEST_CASE("the builder routes archive entries to outputs and applies every step kind",
          "[builder]") {
    World w;
    REQUIRE(w.elf_ok);
    w.make({libbar(w)});
    auto built = w.builder->build({w.target("libbar")});
    REQUIRE(built.size() == 1);
    CHECK(built[0].was_built);
    const auto& outs = built[0].outputs;
    const auto lib = outs.at("lib");
    const auto out = outs.at("out");
    const auto dev = outs.at("dev");
    CHECK(w.fetcher.requested.size() == 1);

    // Routing: built-in rules, outputPatterns, move; remove drops; a declared output that
    // received no file is registered holding only the empty-output marker.
    CHECK(std::filesystem::is_regular_file(lib / "lib/libbar.so.1"));
    CHECK(std::filesystem::is_regular_file(outs.at("include") / "include/bar.h"));
    CHECK(std::filesystem::is_regular_file(dev / "lib/pkgconfig/bar.pc"));
    CHECK(std::filesystem::is_regular_file(dev / "share/extra/notes.txt"));
    CHECK(std::filesystem::is_regular_file(outs.at("doc") / "share/doc/README"));
    CHECK(std::filesystem::is_regular_file(out / "LICENSE"));
    CHECK_FALSE(std::filesystem::exists(lib / "lib/libbar_static.a"));
    REQUIRE(outs.count("static") == 1);
    CHECK(
        std::filesystem::is_regular_file(outs.at("static") / "nix-support/cudapkgs-empty-output"));
    CHECK(std::filesystem::is_regular_file(out / "nix-support/cudapkgs.json"));

    // symlinks: created where the target exists, skipped where it does not.
    CHECK(std::filesystem::read_symlink(lib / "lib/libbar.so") == "libbar.so.1");
    CHECK_FALSE(
        std::filesystem::exists(std::filesystem::symlink_status(lib / "lib/libmissing.so")));

    // substitute: placeholders expand to final store paths; append adds a line.
    CHECK(util::read_file(outs.at("bin") / "bin/bar-config") ==
          "#!/bin/sh\necho " + lib.string() + "\n# patched\n");
    CHECK((std::filesystem::status(outs.at("bin") / "bin/bar-config").permissions() &
           std::filesystem::perms::owner_exec) != std::filesystem::perms::none);

    // postInstall: /bin/sh -euc in out's build directory, an explicit environment, a timeout.
    REQUIRE(w.runner.runs.size() == 1);
    const auto& spec = w.runner.runs[0];
    CHECK(spec.argv == std::vector<std::string>{"/bin/sh", "-euc", "echo \"$lib\" > post.txt"});
    CHECK(spec.timeout_seconds > 0);
    CHECK(toolchain::env_get(spec.env, "PATH") == "/usr/bin:/bin");
    CHECK(toolchain::env_get(spec.env, "LD_LIBRARY_PATH") == std::nullopt);
    CHECK(std::filesystem::is_regular_file(out / "post.txt"));

    // elf: addNeeded and a runpath entry ($ORIGIN-relative) before the trailing $ORIGIN.
    auto info = elf::load_elf_info(lib / "lib/libbar.so.1", false);
    CHECK(std::find(info.needed.begin(), info.needed.end(), "libm.so.6") != info.needed.end());
    REQUIRE(info.runpath);
    CHECK_THAT(*info.runpath,
               Catch::Contains(elf::origin_relative(lib / "lib/libbar.so.1", out / "extra")));
    CHECK_THAT(*info.runpath, Catch::EndsWith("$ORIGIN"));
    CHECK(tmp_is_empty(w));
}

TEST_CASE("RUNPATH entries point $ORIGIN-relative at dependency lib outputs", "[builder]") {
    World w;
    REQUIRE(w.elf_ok);
    w.make({libbar(w), libfoo(w)});
    auto built = w.builder->build({w.target("libfoo")});
    REQUIRE(built.size() == 1);
    const auto foo = built[0].outputs.at("lib") / "lib/libfoo.so";
    const auto bar_lib = out_path(w, "libbar", "lib") / "lib";
    CHECK(w.store->is_valid(w.derivation("libbar").outputs.at("out")));
    auto info = elf::load_elf_info(foo, false);
    REQUIRE(info.runpath);
    CHECK_THAT(*info.runpath, Catch::Contains(elf::origin_relative(foo, bar_lib)));
    CHECK_THAT(*info.runpath, Catch::StartsWith("$ORIGIN/"));

    // A second build finds everything valid and fetches nothing more.
    const auto fetched = w.fetcher.requested.size();
    auto again = w.builder->build({w.target("libfoo")});
    CHECK_FALSE(again[0].was_built);
    CHECK(w.fetcher.requested.size() == fetched);
}

TEST_CASE("an unresolved NEEDED fails the build unless ignored, leaving nothing behind",
          "[builder]") {
    World w;
    REQUIRE(w.elf_ok);
    w.make({needy(w, "libneedy", false), needy(w, "libneedyok", true)});
    try {
        w.builder->build({w.target("libneedy")});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BuildFailed);
        CHECK_THAT(e.what(), Catch::Contains("unresolved shared library"));
        std::string notes;
        for (const auto& n : e.notes()) {
            notes += n + "\n";
        }
        CHECK_THAT(notes, Catch::Contains("libneedy.so → libnotthere.so"));
    }
    for (const auto& [output, name] : w.derivation("libneedy").outputs) {
        CHECK_FALSE(w.store->is_valid(name));
        CHECK_FALSE(std::filesystem::exists(
            std::filesystem::symlink_status(w.store_root() / name.to_string())));
    }
    CHECK(tmp_is_empty(w));

    auto built = w.builder->build({w.target("libneedyok")});
    REQUIRE(built.size() == 1);
    CHECK(std::filesystem::is_regular_file(built[0].outputs.at("lib") / "lib/libneedy.so"));
}

TEST_CASE("a failing step and a failed download leave the store as it was", "[builder]") {
    World w;
    REQUIRE(w.elf_ok);
    PackageSpec broken = libbar(w);
    broken.name = "libbroken";
    broken.rules.push_back({{"postInstall", "echo half > half.txt; exit 3"}});
    PackageSpec unserved = libfoo(w);
    unserved.name = "libunserved";
    unserved.rules = json::array();
    w.make({broken, unserved});
    try {
        w.builder->build({w.target("libbroken")});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BuildFailed);
        CHECK_THAT(e.what(), Catch::Contains("postInstall failed (exit code 3)"));
    }
    for (const auto& [output, name] : w.derivation("libbroken").outputs) {
        CHECK_FALSE(w.store->is_valid(name));
        CHECK_FALSE(std::filesystem::exists(
            std::filesystem::symlink_status(w.store_root() / name.to_string())));
    }
    CHECK(tmp_is_empty(w));

    w.fetcher.files.clear();
    CHECK_THROWS_MATCHES(
        w.builder->build({w.target("libunserved")}), Error,
        Catch::Predicate<Error>([](const Error& e) { return e.kind() == ErrorKind::Fetch; }));
    CHECK_FALSE(w.store->is_valid(w.derivation("libunserved").outputs.at("out")));
    CHECK(tmp_is_empty(w));
}
