// SPDX-License-Identifier: Apache-2.0
// Realising packages: fetch → verify → unpack → route to outputs → fixups → ELF → commit.
#pragma once

#include <cudapkgs/cache/substitute.hpp>
#include <cudapkgs/fetch/fetcher.hpp>
#include <cudapkgs/pkgset/evaluator.hpp>
#include <cudapkgs/store/store.hpp>
#include <cudapkgs/toolchain/process.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cudapkgs::builder {

struct BuildOptions {
    std::vector<std::string> mirrors; ///< tried in order; each product under <m>/<product>/redist
    fetch::FetchOptions fetch;
    int jobs = 2;            ///< packages built in parallel (downloads use fetch.jobs)
    bool keep_going = false; ///< build what can be built when one package fails
    bool rebuild = false;    ///< build again even when valid, and compare (no replacement)
    std::optional<std::filesystem::path> driver_lib_dir;
    /// Binary caches asked before building (docs/cache.md); none when its urls are empty.
    cache::SubstituterConfig substituters;
    fetch::ProgressFn progress; ///< download and unpack progress (calls never overlap)
    /// One line per step ("building cudaPackages_13_0.cudnn"), for the CLI to print.
    std::function<void(const std::string&)> log;
};

/// A package to realise.
struct Target {
    const pkgset::PackageSet* set = nullptr;
    const pkgset::Package* package = nullptr;
    std::string attrpath;
};

/// What a realised package looks like in the store.
struct Built {
    std::string attrpath;
    std::map<std::string, std::filesystem::path> outputs; ///< registered outputs only
    bool was_built = false;                               ///< false: already valid
};

/// A plan entry for --dry-run.
struct Planned {
    std::string attrpath;
    std::string out_path;
    bool valid = false;
    std::optional<std::string> fetch_url; ///< first candidate
    std::uint64_t fetch_size = 0;
};

class Builder {
  public:
    /// Downloads go through `fetcher`, child processes (postInstall, the host-compiler probe,
    /// nvcc, cmake) through `runner`; both must outlive the builder (the CLI passes
    /// fetch::make_fetcher and toolchain::spawn_runner, unit tests fakes).
    Builder(store::Store& store, pkgset::Evaluator& evaluator, BuildOptions options,
            fetch::Fetcher& fetcher, toolchain::ProcessRunner& runner);

    /// Realises the targets and their dependencies. Throws the first error (or, with
    /// keep_going, after building everything else).
    std::vector<Built> build(const std::vector<Target>& targets);
    /// What build() would fetch and build.
    std::vector<Planned> plan(const std::vector<Target>& targets);
    /// Downloads (verified) the archive of one package and returns its path.
    std::filesystem::path fetch_source(const Target& target);

  private:
    struct Node;
    std::vector<Node> closure(const std::vector<Target>& targets);
    std::vector<std::string> urls_for(const pkgset::Package& package) const;
    std::filesystem::path download_path(const pkgset::Package& package) const;
    void build_node(Node& node, const std::vector<Node>& nodes);
    void schedule(std::vector<Node>& nodes);
    /// Throws every failure of the nodes (one, or an ErrorList of them); returns when none.
    static void throw_failures(const std::vector<Node>& nodes);
    /// Verifies the archives that a file:// first URL names where they lie (Node::local).
    void verify_local_archives(std::vector<Node>& nodes);

    store::Store* m_store;
    std::mutex m_store_mutex;    ///< the Store is used from several build threads
    std::mutex m_progress_mutex; ///< so is the progress callback, one event at a time
    pkgset::Evaluator* m_evaluator;
    BuildOptions m_options;
    fetch::Fetcher* m_fetcher;
    toolchain::ProcessRunner* m_runner;
};

} // namespace cudapkgs::builder
