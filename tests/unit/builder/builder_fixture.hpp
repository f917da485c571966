// SPDX-License-Identifier: Apache-2.0
// A world for builder tests: synthetic NVIDIA-layout archives (libarchive) holding tiny real
// ELF libraries, a manifest and fixups naming them, a temp store, a fake fetcher serving the
// archives and a process runner that records what it runs. No network, no CUDA install.
#pragma once

#include "elf/elf_test_support.hpp"
#include "unpack/archive_builder.hpp"

#include <cudapkgs/builder/builder.hpp>
#include <cudapkgs/fetch/fetcher.hpp>
#include <cudapkgs/pkgset/evaluator.hpp>
#include <cudapkgs/store/store.hpp>
#include <cudapkgs/toolchain/process.hpp>
#include <cudapkgs/util/file.hpp>
#include <cudapkgs/util/hash.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cudapkgs::builder::test {

namespace fs = std::filesystem;

/// Serves URL → bytes; records every request.
class FakeFetcher final : public fetch::Fetcher {
  public:
    std::map<std::string, std::string> files;
    std::vector<std::string> requested;

    std::vector<fetch::Result> fetch_all(std::vector<fetch::Request> requests) override {
        std::vector<fetch::Result> out;
        for (const auto& r : requests) {
            fetch::Result result;
            result.dest = r.dest;
            requested.push_back(r.urls.front());
            auto it = files.find(r.urls.front());
            if (it == files.end()) {
                result.error = Error(ErrorKind::Fetch, "404 " + r.urls.front());
            } else {
                std::ofstream(r.dest, std::ios::binary) << it->second;
                result.url = r.urls.front();
            }
            out.push_back(std::move(result));
        }
        return out;
    }
};

/// Records each process, then runs it for real (posix_spawn).
class RecordingRunner final : public toolchain::ProcessRunner {
  public:
    std::vector<toolchain::ProcessSpec> runs;
    toolchain::ProcessResult run(const toolchain::ProcessSpec& spec) override {
        runs.push_back(spec);
        return toolchain::spawn_runner().run(spec);
    }
};

/// One package: its manifest key, the files of its archive (relative to the
/// `<name>-linux-x86_64-<version>-archive/` top directory) and its fixup rules.
struct PackageSpec {
    std::string name;
    std::map<std::string, std::string> files;
    nlohmann::json rules = nlohmann::json::array();
    std::map<std::string, std::string> executables = {}; ///< files with mode 0755
};

constexpr const char* kMirror = "http://mirror.test/compute";
constexpr const char* kVersion = "1.0.0";
constexpr const char* kSet = "cudaPackages_12_8";

class World {
  public:
    World() {
        fs::create_directories(dir() / "elf");
        elf_ok = cudapkgs::elf::test::run(compile_script()) == 0;
    }

    fs::path dir() const { return m_tmp.path(); }
    fs::path store_root() const { return m_tmp.path() / "store"; }
    std::string elf(const std::string& name) const { return util::read_file(dir() / "elf" / name); }

    /// Writes the archives, the manifest and the fixups; makes the evaluator and store.
    void make(const std::vector<PackageSpec>& packages) {
        nlohmann::json manifest = {{"release_date", "2025-01-01"},
                                   {"release_label", "12.8.0"},
                                   {"release_product", "cuda"}};
        fs::create_directories(dir() / "manifests/cuda");
        fs::create_directories(dir() / "fixups");
        for (const auto& p : packages) {
            const std::string top = p.name + "-linux-x86_64-" + kVersion + "-archive";
            const fs::path archive = dir() / (top + ".tar.xz");
            {
                unpack::test::ArchiveBuilder b(archive);
                b.dir(top);
                for (const auto& [path, content] : p.files) {
                    b.file(top + "/" + path, content);
                }
                for (const auto& [path, content] : p.executables) {
                    b.file(top + "/" + path, content, 0755);
                }
            }
            const std::string bytes = util::read_file(archive);
            const std::string rel = p.name + "/linux-x86_64/" + top + ".tar.xz";
            fetcher.files[std::string(kMirror) + "/cuda/redist/" + rel] = bytes;
            manifest[p.name] = {{"name", p.name},
                                {"license", "MIT"},
                                {"version", kVersion},
                                {"linux-x86_64",
                                 {{"relative_path", rel},
                                  {"sha256", util::sha256_hex(bytes)},
                                  {"size", std::to_string(bytes.size())}}}};
            std::ofstream(dir() / "fixups" / (p.name + ".json"))
                << nlohmann::json{{"rules", p.rules}}.dump(2);
        }
        std::ofstream(dir() / "manifests/cuda/redistrib_12.8.0.json") << manifest.dump(2);
        catalog =
            std::make_unique<pkgset::Catalog>(manifest::load_manifest_dirs({dir() / "manifests"}),
                                              fixups::FixupSet::load({dir() / "fixups"}));
        pkgset::EvalSettings settings;
        evaluator = std::make_unique<pkgset::Evaluator>(
            *catalog, pkgset::Instance{{}, "x86_64-linux", {}, {}}, settings);
        store = std::make_unique<store::Store>(store_root());
        BuildOptions options;
        options.mirrors = {kMirror};
        options.jobs = 1;
        builder = std::make_unique<Builder>(*store, *evaluator, options, fetcher, runner);
    }

    Target target(const std::string& attr) {
        auto r = evaluator->resolve_package(std::string(kSet) + "." + attr);
        return {r.set, r.package, r.attrpath};
    }
    const pkgset::Derivation& derivation(const std::string& attr) {
        auto t = target(attr);
        return evaluator->derivation(*t.set, *t.package);
    }

    FakeFetcher fetcher;
    RecordingRunner runner;
    std::unique_ptr<pkgset::Catalog> catalog;
    std::unique_ptr<pkgset::Evaluator> evaluator;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<Builder> builder;
    bool elf_ok = false;

  private:
    /// libbar.so.1; libfoo.so (NEEDED libbar.so.1); libneedy.so (NEEDED libnotthere.so).
    std::string compile_script() const {
        const fs::path d = dir() / "elf";
        cudapkgs::elf::test::write_text(d / "bar.c", "int bar(void) { return 30; }\n");
        cudapkgs::elf::test::write_text(d / "foo.c",
                                        "int bar(void);\nint foo(void) { return bar() + 12; }\n");
        cudapkgs::elf::test::write_text(d / "gone.c", "int gone(void) { return 1; }\n");
        cudapkgs::elf::test::write_text(d / "needy.c",
                                        "int gone(void);\nint needy(void) { return gone(); }\n");
        return "cd " + cudapkgs::elf::test::quote(d) +
               " && cc -shared -fPIC -Wl,-soname,libbar.so.1 -o libbar.so.1 bar.c"
               " && cc -shared -fPIC -Wl,-soname,libfoo.so -o libfoo.so foo.c -L. -l:libbar.so.1"
               " && cc -shared -fPIC -Wl,-soname,libnotthere.so -o libnotthere.so gone.c"
               " && cc -shared -fPIC -Wl,-soname,libneedy.so -o libneedy.so needy.c -L. "
               "-lnotthere";
    }
    util::ScopedTempDir m_tmp;
};

} // namespace cudapkgs::builder::test
