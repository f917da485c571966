// SPDX-License-Identifier: Apache-2.0
// Planning a closure from the substituters, then fetching, checking and committing it.
#include "extract.hpp"

#include <cudapkgs/cache/substitute.hpp>
#include <cudapkgs/cache/transport.hpp>
#include <cudapkgs/util/error.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <map>
#include <set>

namespace cudapkgs::cache {

using storepath::StorePath;

namespace {

/// Where one path of the plan comes from.
struct Candidate {
    std::size_t substituter = 0;
    CacheInfo info;
};

/// An archive that failed its checks: the next plan excludes that (path, substituter).
struct ArchiveRefused {
    StorePath path;
    std::size_t substituter;
};

class Substituter {
  public:
    Substituter(store::Store& store, const SubstituterConfig& config)
        : m_store(store), m_config(config) {
        // Opened up front so a malformed URL is an error (InvalidInput), not a warning.
        for (const auto& url : config.urls) {
            try {
                m_transports.push_back(open_transport(url, config.fetch));
            } catch (const Error& e) {
                if (e.kind() != ErrorKind::Fetch) {
                    throw;
                }
                spdlog::debug("skipping substituter {}: {}", fetch::redact_url(url), e.what());
                m_transports.push_back(nullptr); // e.g. HTTP in offline mode
            }
        }
    }

    SubstituteResult run(const StorePath& path) {
        if (m_store.is_valid(path)) {
            return {true, {}};
        }
        // Each failed archive excludes one (path, substituter) pair, so this ends.
        while (true) {
            auto plan = make_plan(path);
            if (!plan) {
                return {false, {}, m_refused};
            }
            try {
                return {true, realise(*plan), m_refused};
            } catch (const ArchiveRefused& refused) {
                m_excluded.insert({refused.path, refused.substituter});
            }
        }
    }

  private:
    Transport& transport(std::size_t i) { return *m_transports[i]; }

    std::string name(std::size_t i) const { return fetch::redact_url(m_config.urls[i]); }

    /// The verified metadata of `path` at substituter `i`, or nullopt (with a warning when
    /// the entry exists but is refused). Answers are remembered.
    const std::optional<CacheInfo>& query(const StorePath& path, std::size_t i) {
        auto key = std::make_pair(path, i);
        if (auto it = m_queries.find(key); it != m_queries.end()) {
            return it->second;
        }
        return m_queries[key] = fetch_info(path, i);
    }

    std::optional<CacheInfo> fetch_info(const StorePath& path, std::size_t i) {
        const std::string file = info_file_name(path);
        if (!m_transports[i]) {
            return std::nullopt;
        }
        try {
            auto text = transport(i).get_text(file);
            if (!text) {
                spdlog::debug("{} does not have {}", name(i), path.to_string());
                return std::nullopt;
            }
            CacheInfo info = parse_cache_info(*text, name(i) + "/" + file);
            if (info.store_path != path) {
                m_refused = true;
                spdlog::warn("substituter {}: {} describes {}, not {}; refusing it", name(i), file,
                             info.store_path.to_string(), path.to_string());
                return std::nullopt;
            }
            if (!has_valid_signature(info, m_config.trusted_keys)) {
                if (m_config.require_sigs) {
                    m_refused = true;
                    spdlog::warn("substituter {}: refusing {}: {}", name(i), path.to_string(),
                                 info.signatures.empty()
                                     ? "it is unsigned"
                                     : "no signature verifies with a trusted public key");
                    return std::nullopt;
                }
                spdlog::warn("substituter {}: accepting {} without a trusted signature "
                             "(--no-require-sigs)",
                             name(i), path.to_string());
            }
            return info;
        } catch (const Error& e) {
            if (e.kind() == ErrorKind::Internal) {
                throw;
            }
            m_refused = m_refused || e.kind() == ErrorKind::Integrity;
            spdlog::warn("substituter {}: cannot use {}: {}", name(i), path.to_string(), e.what());
            return std::nullopt;
        }
    }

    std::optional<Candidate> find_candidate(const StorePath& path) {
        for (std::size_t i = 0; i < m_config.urls.size(); ++i) {
            if (m_excluded.count({path, i}) > 0) {
                continue;
            }
            if (const auto& info = query(path, i)) {
                return Candidate{i, *info};
            }
        }
        return std::nullopt;
    }

    /// Every missing path of the closure with its source, or nullopt when one has none.
    std::optional<std::map<StorePath, Candidate>> make_plan(const StorePath& top) {
        std::map<StorePath, Candidate> plan;
        std::deque<StorePath> queue{top};
        while (!queue.empty()) {
            StorePath p = queue.front();
            queue.pop_front();
            if (plan.count(p) > 0 || m_store.is_valid(p)) {
                continue;
            }
            auto candidate = find_candidate(p);
            if (!candidate) {
                if (p != top) {
                    spdlog::warn("no substituter can supply {}, a reference of {}", p.to_string(),
                                 top.to_string());
                }
                return std::nullopt;
            }
            for (const auto& ref : candidate->info.references) {
                queue.push_back(ref);
            }
            plan.emplace(p, std::move(*candidate));
        }
        return plan;
    }

    std::vector<StorePath> realise(const std::map<StorePath, Candidate>& plan) {
        std::vector<StorePath> paths;
        for (const auto& [p, c] : plan) {
            paths.push_back(p);
        }
        auto locks = m_store.lock_paths(paths);
        std::vector<store::CommitOutput> outputs;
        std::vector<StorePath> fetched;
        for (const auto& [p, c] : plan) {
            if (m_store.is_valid(p)) {
                continue; // another process substituted or built it meanwhile
            }
            auto [dir, digests] = fetch_archive(p, c);
            outputs.push_back({std::move(dir), p, c.info.references, c.info.deriver,
                               c.info.content_hash, std::move(digests)});
            fetched.push_back(p);
        }
        if (!outputs.empty()) {
            commit(locks, std::move(outputs), plan);
        }
        for (const auto& p : fetched) {
            spdlog::info("substituted {} from {}", p.to_string(), name(plan.at(p).substituter));
        }
        return fetched;
    }

    /// Commits the closure; a tree whose content hash is not the signed one is refused like a
    /// bad archive (the store names the path), so the next plan tries another substituter.
    void commit(const store::PathLocks& locks, std::vector<store::CommitOutput> outputs,
                const std::map<StorePath, Candidate>& plan) {
        try {
            m_store.commit_outputs(locks, std::move(outputs));
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::Integrity) {
                throw;
            }
            const std::string message = e.what();
            for (const auto& [p, c] : plan) {
                if (message.find(p.to_string()) != std::string::npos) {
                    m_refused = true;
                    spdlog::warn("substituter {}: refusing {}: the unpacked tree does not have "
                                 "its signed content hash",
                                 name(c.substituter), p.to_string());
                    for (const auto& note : e.notes()) {
                        spdlog::warn("  {}", note);
                    }
                    throw ArchiveRefused{p, c.substituter};
                }
            }
            throw;
        }
    }

    std::pair<store::BuildDir, store::KnownDigests> fetch_archive(const StorePath& p,
                                                                  const Candidate& c) {
        store::BuildDir stage = m_store.make_build_dir();
        store::KnownDigests digests;
        try {
            store::BuildDir scratch = m_store.make_build_dir();
            auto file = transport(c.substituter).get_archive(c.info, scratch.path());
            digests = detail::extract_verified(file, c.info, stage.path(), name(c.substituter));
        } catch (const Error& e) {
            if (e.kind() == ErrorKind::Internal) {
                throw;
            }
            m_refused = m_refused || e.kind() == ErrorKind::Integrity;
            spdlog::warn("substituter {}: refusing {}: {}", name(c.substituter), p.to_string(),
                         e.what());
            for (const auto& note : e.notes()) {
                spdlog::warn("  {}", note);
            }
            throw ArchiveRefused{p, c.substituter};
        }
        return {std::move(stage), std::move(digests)};
    }

    store::Store& m_store;
    const SubstituterConfig& m_config;
    std::vector<std::unique_ptr<Transport>> m_transports;
    std::map<std::pair<StorePath, std::size_t>, std::optional<CacheInfo>> m_queries;
    std::set<std::pair<StorePath, std::size_t>> m_excluded;
    bool m_refused = false;
};

} // namespace

SubstituteResult substitute_closure(store::Store& store, const StorePath& path,
                                    const SubstituterConfig& config) {
    return Substituter(store, config).run(path);
}

bool substitute(store::Store& store, const std::string& store_path_name,
                const SubstituterConfig& config) {
    return substitute_closure(store, StorePath::parse(store_path_name), config).ok;
}

SubstituterConfig make_substituter_config(const config::Config& config,
                                          const std::vector<std::string>& extra_urls,
                                          std::optional<bool> require_sigs,
                                          fetch::FetchOptions fetch) {
    SubstituterConfig out;
    out.urls = extra_urls;
    for (const auto& url : config.substituters) {
        if (std::find(out.urls.begin(), out.urls.end(), url) == out.urls.end()) {
            out.urls.push_back(url);
        }
    }
    for (const auto& text : config.trusted_public_keys) {
        try {
            out.trusted_keys.push_back(parse_public_key(text));
        } catch (Error& e) {
            e.add_note("in the option trusted-public-keys");
            throw;
        }
    }
    out.require_sigs = require_sigs.value_or(config.require_sigs);
    out.fetch = std::move(fetch);
    return out;
}

} // namespace cudapkgs::cache
