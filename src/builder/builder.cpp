// SPDX-License-Identifier: Apache-2.0
#include "install.hpp"

#include <cudapkgs/builder/builder.hpp>
#include <cudapkgs/fetch/url.hpp>
#include <cudapkgs/manifest/mirror_layout.hpp>
#include <cudapkgs/pkgset/plan.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/interrupt.hpp>
#include <cudapkgs/util/os_error.hpp>

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <future>
#include <set>

namespace cudapkgs::builder {

namespace fs = std::filesystem;

/// One package of the closure, with its derivation and scheduling state.
struct Builder::Node {
    Target target;
    const pkgset::Derivation* derivation = nullptr;
    std::vector<std::size_t> deps; ///< indices of direct dependencies
    bool valid = false;            ///< already in the store
    bool done = false;
    bool failed = false;
    bool blocked = false; ///< failed only because a dependency did
    std::optional<Error> error;
    Built result;
    std::optional<fetch::LocalArchive> local; ///< a file:// mirror's archive, read in place
};

Builder::Builder(store::Store& store, pkgset::Evaluator& evaluator, BuildOptions options,
                 fetch::Fetcher& fetcher, toolchain::ProcessRunner& runner)
    : m_store(&store), m_evaluator(&evaluator), m_options(std::move(options)), m_fetcher(&fetcher),
      m_runner(&runner) {
    m_options.mirrors = manifest::mirrors_or_default(std::move(m_options.mirrors));
    if (m_options.jobs < 1) {
        m_options.jobs = 1;
    }
}

std::vector<Builder::Node> Builder::closure(const std::vector<Target>& targets) {
    std::vector<pkgset::ResolvedPackage> wanted;
    for (const auto& t : targets) {
        pkgset::require_buildable(*t.set, *t.package, t.attrpath); // a target's own error first
        wanted.push_back({t.set, t.package, t.attrpath});
    }
    std::vector<Node> nodes;
    std::map<std::pair<const pkgset::PackageSet*, std::string>, std::size_t> index;
    for (auto& item : pkgset::build_plan(*m_evaluator, wanted)) {
        pkgset::require_buildable(*item.set, *item.package, item.attrpath);
        Node node;
        node.target = {item.set, item.package, std::move(item.attrpath)};
        node.derivation = item.derivation;
        for (const auto& dep : item.package->dependencies) {
            node.deps.push_back(index.at({item.set, dep})); // the plan puts it first
        }
        node.valid = !m_options.rebuild && m_store->is_valid(item.derivation->outputs.at("out"));
        node.result.attrpath = node.target.attrpath;
        index.emplace(std::make_pair(item.set, item.package->attr), nodes.size());
        nodes.push_back(std::move(node));
    }
    return nodes;
}

std::vector<std::string> Builder::urls_for(const pkgset::Package& p) const {
    if (!p.src) {
        return {};
    }
    if (!p.src->url.empty()) {
        return {p.src->url};
    }
    std::vector<std::string> urls;
    for (const auto& m : m_options.mirrors) {
        urls.push_back(pkgset::source_url(*p.src, m));
    }
    return urls;
}

fs::path Builder::download_path(const pkgset::Package& p) const {
    std::string file = p.src->relative_path.empty()
                           ? p.pname + ".archive"
                           : fs::path(p.src->relative_path).filename().string();
    if (!p.src->url.empty()) {
        file = fs::path(p.src->url).filename().string();
    }
    return m_store->root() / ".cudapkgs" / "downloads" / (p.src->sha256.substr(0, 16) + "-" + file);
}

std::filesystem::path Builder::fetch_source(const Target& target) {
    const auto& pkg = *target.package;
    pkgset::require_buildable(*target.set, pkg, target.attrpath);
    fetch::Request r;
    r.urls = urls_for(pkg);
    r.sha256 = pkg.src->sha256;
    r.size = pkg.src->size;
    r.dest = download_path(pkg);
    r.progress = m_options.progress;
    fs::create_directories(r.dest.parent_path());
    auto results = m_fetcher->fetch_all({r});
    fetch::throw_first_error(results);
    return r.dest;
}

std::vector<Planned> Builder::plan(const std::vector<Target>& targets) {
    std::vector<Planned> out;
    for (const auto& node : closure(targets)) {
        Planned p;
        p.attrpath = node.target.attrpath;
        p.out_path = m_store->to_absolute(node.derivation->outputs.at("out")).string();
        p.valid = node.valid;
        const auto& pkg = *node.target.package;
        if (!node.valid && pkg.src && !fs::exists(download_path(pkg))) {
            p.fetch_url = urls_for(pkg).front();
            p.fetch_size = pkg.src->size;
        }
        out.push_back(std::move(p));
    }
    return out;
}

void Builder::build_node(Node& node, const std::vector<Node>& nodes) {
    InstallContext ctx;
    ctx.store = m_store;
    ctx.set = node.target.set;
    ctx.package = node.target.package;
    ctx.attrpath = node.target.attrpath;
    ctx.derivation = node.derivation;
    ctx.archive = node.target.package->src ? download_path(*node.target.package) : fs::path();
    if (node.local) {
        ctx.archive = node.local->path;
        ctx.archive_stamp = node.local->stamp;
    }
    ctx.driver_lib_dir = m_options.driver_lib_dir;
    ctx.allow_unsupported_compiler = node.target.set->instance().config.allow_unsupported_compiler;
    ctx.store_mutex = &m_store_mutex;
    ctx.runner = m_runner;
    if (m_options.progress) {
        ctx.progress = [this](const fetch::ProgressEvent& e) {
            std::lock_guard lock(m_progress_mutex); // build threads report concurrently
            m_options.progress(e);
        };
    }
    for (std::size_t d : node.deps) {
        const Node& dep = nodes[d];
        ctx.dependencies.push_back(
            {dep.target.package->attr, dep.target.package, dep.derivation, dep.result.outputs});
    }
    node.result.outputs = install_package(ctx);
    node.result.was_built = true;
}

void Builder::verify_local_archives(std::vector<Node>& nodes) {
    // Hashing is CPU-bound: one archive per job at a time.
    struct Verifying {
        std::size_t node;
        std::string url;
        std::future<std::optional<fetch::LocalArchive>> result;
    };
    std::deque<Verifying> running;
    auto collect = [&](std::size_t keep) {
        while (running.size() > keep) {
            Verifying done = std::move(running.front());
            running.pop_front();
            Node& node = nodes[done.node];
            node.local = done.result.get();
            if (node.local && m_options.progress) {
                // Reported like a finished download, so progress consumers see every archive.
                fetch::ProgressEvent event;
                event.phase = fetch::ProgressPhase::Finished;
                event.name = node.local->path.filename().string();
                event.url = fetch::redact_url(done.url);
                event.done = event.total = node.target.package->src->size;
                event.message = "verified in place";
                m_options.progress(event);
            }
        }
    };
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto& pkg = *nodes[i].target.package;
        if (nodes[i].done || !pkg.src || fs::exists(download_path(pkg))) {
            continue; // an earlier download is used (and checked) as before
        }
        std::vector<std::string> urls = urls_for(pkg);
        if (urls.empty() || fetch::url_scheme(urls.front()) != "file") {
            continue;
        }
        collect(static_cast<std::size_t>(m_options.jobs) - 1);
        const std::string& url = urls.front();
        running.push_back({i, url, std::async(std::launch::async, [url, &pkg] {
                               return fetch::verify_in_place(url, pkg.src->size, pkg.src->sha256);
                           })});
    }
    collect(0);
}

std::vector<Built> Builder::build(const std::vector<Target>& targets) {
    std::vector<Node> nodes = closure(targets);
    for (auto& node : nodes) {
        // A signed binary cache may have it (with its closure); it is verified before use.
        if (!node.valid && !m_options.substituters.urls.empty()) {
            const auto& out = node.derivation->outputs.at("out");
            if (cache::substitute_closure(*m_store, out, m_options.substituters).ok) {
                node.valid = true;
                if (m_options.log) {
                    m_options.log(fmt::format("substituted {}", node.target.attrpath));
                }
            }
        }
        if (node.valid) {
            node.result.outputs = registered_outputs(*m_store, *node.derivation);
            node.done = true;
        }
    }

    // Every archive first, in parallel; nothing is unpacked before its hash matched.
    verify_local_archives(nodes);
    std::vector<fetch::Request> requests;
    std::vector<std::size_t> requested;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto& pkg = *nodes[i].target.package;
        if (nodes[i].done || !pkg.src || nodes[i].local) {
            continue;
        }
        fs::create_directories(download_path(pkg).parent_path());
        fetch::Request r;
        r.urls = urls_for(pkg);
        r.sha256 = pkg.src->sha256;
        r.size = pkg.src->size;
        r.dest = download_path(pkg);
        r.name =
            fs::path(pkg.src->relative_path.empty() ? r.dest : fs::path(pkg.src->relative_path))
                .filename()
                .string();
        r.progress = m_options.progress;
        requests.push_back(std::move(r));
        requested.push_back(i);
    }
    if (!requests.empty()) {
        auto results = m_fetcher->fetch_all(std::move(requests));
        for (std::size_t k = 0; k < results.size(); ++k) {
            if (results[k].error) {
                if (!m_options.keep_going) {
                    fetch::throw_first_error(results);
                }
                nodes[requested[k]].failed = true;
                nodes[requested[k]].error = *results[k].error;
            }
        }
    }
    schedule(nodes);

    throw_failures(nodes);
    std::vector<Built> built;
    for (const auto& t : targets) {
        for (const auto& node : nodes) {
            if (node.target.set == t.set && node.target.package == t.package) {
                built.push_back(node.result);
            }
        }
    }
    return built;
}

void Builder::throw_failures(const std::vector<Node>& nodes) {
    // Every failure is reported (build --keep-going), each in its own block; a package that was
    // not built only because a dependency failed is named in a note, not as a failure.
    std::vector<Error> failures;
    std::vector<std::string> blocked;
    for (const auto& node : nodes) {
        if (node.failed && node.blocked) {
            blocked.push_back(node.target.attrpath);
        } else if (node.failed && node.error) {
            failures.push_back(*node.error);
        }
    }
    if (failures.empty()) {
        return;
    }
    if (failures.size() == 1) {
        if (!blocked.empty()) {
            failures.front().add_note("not built because of it: " +
                                      fmt::format("{}", fmt::join(blocked, ", ")));
        }
        throw failures.front();
    }
    std::string summary = fmt::format("{} packages failed to build", failures.size());
    ErrorList list(std::move(summary), std::move(failures));
    if (!blocked.empty()) {
        list.add_note("not built because a dependency failed: " +
                      fmt::format("{}", fmt::join(blocked, ", ")));
    }
    throw list;
}

void Builder::schedule(std::vector<Node>& nodes) {
    struct Running {
        std::size_t index;
        std::future<void> future;
    };
    std::vector<Running> running;
    auto ready = [&](const Node& n) {
        if (n.done || n.failed) {
            return false;
        }
        for (std::size_t d : n.deps) {
            if (!nodes[d].done) {
                return false;
            }
        }
        return true;
    };
    auto blocked = [&](const Node& n) {
        return std::any_of(n.deps.begin(), n.deps.end(),
                           [&](std::size_t d) { return nodes[d].failed; });
    };
    std::set<std::size_t> started;
    while (true) {
        for (auto& n : nodes) {
            if (!n.done && !n.failed && blocked(n)) {
                n.failed = true;
                n.blocked = true;
                n.error = Error(ErrorKind::BuildFailed,
                                fmt::format("{}: a dependency failed to build", n.target.attrpath));
            }
        }
        // After SIGINT/SIGTERM nothing new starts; the running builds stop at their safe points.
        const bool stopping = util::interrupt_requested();
        for (std::size_t i = 0;
             !stopping && i < nodes.size() && running.size() < std::size_t(m_options.jobs); ++i) {
            if (ready(nodes[i]) && started.insert(i).second) {
                if (m_options.log) {
                    m_options.log(fmt::format("building {}", nodes[i].target.attrpath));
                }
                running.push_back({i, std::async(std::launch::async, [this, &nodes, i] {
                                       build_node(nodes[i], nodes);
                                   })});
            }
        }
        if (running.empty()) {
            util::check_interrupt();
            break;
        }
        for (auto it = running.begin(); it != running.end();) {
            if (it->future.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready) {
                ++it;
                continue;
            }
            Node& n = nodes[it->index];
            try {
                try {
                    it->future.get();
                } catch (const Error&) {
                    throw;
                } catch (const std::filesystem::filesystem_error& e) {
                    // An operating-system error on a path: the environment's, not a bug.
                    Error error = util::os_error(e.code().value(), "write", e.path1());
                    error.add_note(
                        fmt::format("while building {}: {}", n.target.attrpath, e.what()));
                    throw error;
                } catch (const std::exception& e) {
                    throw Error(ErrorKind::Internal,
                                fmt::format("building {}: {}", n.target.attrpath, e.what()));
                }
                n.done = true;
            } catch (const Error& e) {
                n.failed = true;
                n.error = e;
                if (!m_options.keep_going || e.kind() == ErrorKind::Interrupted) {
                    for (auto& r : running) {
                        if (&r != &*it) {
                            r.future.wait();
                        }
                    }
                    throw;
                }
            }
            it = running.erase(it);
        }
    }
}

} // namespace cudapkgs::builder
