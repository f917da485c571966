// SPDX-License-Identifier: Apache-2.0
// `cudapkgs cache keygen|push|pull` (docs/commands/cache.md).
#include "commands.hpp"
#include "context.hpp"
#include "fetch_setup.hpp"
#include "output.hpp"

#include <cudapkgs/cache/push.hpp>
#include <cudapkgs/cache/signing.hpp>
#include <cudapkgs/cache/substitute.hpp>
#include <cudapkgs/cache/transport.hpp>
#include <cudapkgs/store/store.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <memory>

namespace cudapkgs::cli {

namespace fs = std::filesystem;

namespace {

struct CacheArgs {
    std::string name;
    std::string out_dir = ".";
    bool force = false;
    std::string url;
    std::vector<std::string> paths;
    std::vector<std::string> keys;
    int level = 9;
    bool json = false;
};

int run_keygen(const CacheArgs& a, bool json) {
    auto key = cache::generate_key(a.name);
    fs::path dir(a.out_dir);
    fs::path secret = dir / (a.name + ".secret");
    fs::path pub = dir / (a.name + ".public");
    for (const auto& p : {secret, pub}) {
        if (!a.force && fs::exists(p)) {
            Error error(ErrorKind::InvalidInput, fmt::format("{} already exists", p.string()));
            error.add_note("pass --force to replace the key pair");
            throw error;
        }
    }
    fs::create_directories(dir);
    util::write_file_atomic(secret, key.to_string() + "\n",
                            fs::perms::owner_read | fs::perms::owner_write);
    util::write_file_atomic(pub, key.to_public().to_string() + "\n");
    if (json) {
        print_json({{"name", a.name},
                    {"publicKey", key.to_public().to_string()},
                    {"secretKeyFile", fs::absolute(secret).string()},
                    {"publicKeyFile", fs::absolute(pub).string()}});
    } else {
        print_line(key.to_public().to_string());
    }
    return 0;
}

int run_push(Session& session, const CacheArgs& a, bool json) {
    const GlobalOptions& g = session.global();
    auto config = load_config(g);
    cache::PushOptions options;
    options.archive.level = a.level;
    for (const auto& file : a.keys.empty() ? config.secret_key_files : a.keys) {
        options.keys.push_back(cache::load_secret_key(file));
    }
    store::Store& s = session.store();
    const std::vector<storepath::StorePath> roots = store_paths_of_arguments(session, s, a.paths);
    auto transport = cache::open_transport(a.url, fetch_options_of(g));
    auto result = cache::push(s, *transport, roots, options);
    nlohmann::json uploaded = nlohmann::json::array();
    nlohmann::json skipped = nlohmann::json::array();
    for (const auto& p : result.uploaded) {
        uploaded.push_back(p.to_string());
        if (!json) {
            print_line("uploaded " + p.to_string());
        }
    }
    for (const auto& p : result.skipped) {
        skipped.push_back(p.to_string());
        if (!json) {
            print_line("present  " + p.to_string());
        }
    }
    if (json) {
        print_json({{"cache", transport->url().str()},
                    {"uploaded", uploaded},
                    {"skipped", skipped},
                    {"archiveBytes", result.archive_bytes}});
    }
    return 0;
}

int run_pull(Session& session, const CacheArgs& a, bool json) {
    const GlobalOptions& g = session.global();
    auto config = load_config(g);
    GlobalOptions with_url = g;
    with_url.substituters.insert(with_url.substituters.begin(), a.url);
    auto sub = substituter_config_of(with_url, config);
    store::Store& s = session.store();
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : a.paths) {
        auto path = s.parse_path_argument(p);
        auto r = cache::substitute_closure(s, path, sub);
        if (!r.ok) {
            Error error(r.refused ? ErrorKind::Integrity : ErrorKind::Fetch,
                        fmt::format("no substituter could supply {}", path.to_string()));
            error.add_note(r.refused ? "some cache entries were refused; see the warnings above"
                                     : "no substituter has it");
            throw error;
        }
        for (const auto& f : r.fetched) {
            out.push_back(s.to_absolute(f).string());
        }
        if (!json) {
            print_line(s.to_absolute(path).string());
        }
    }
    if (json) {
        print_json({{"fetched", out}});
    }
    return 0;
}

} // namespace

RunFn setup_cache(CLI::App& cmd, Session& session) {
    const GlobalOptions& global = session.global();
    auto args = std::make_shared<CacheArgs>();
    cmd.require_subcommand(1);
    cmd.fallthrough(true);
    auto add = [&](const char* name, const char* help) {
        return add_subcommand_with_json(cmd, name, help, args->json);
    };
    CLI::App* keygen = add("keygen", "Make an ed25519 key pair NAME.secret / NAME.public");
    keygen->add_option("NAME", args->name, "Key name, e.g. ci.example.org-1")->required();
    keygen->add_option("--out-dir", args->out_dir, "Directory for the two files (default: .)");
    keygen->add_flag("--force", args->force, "Replace existing key files");
    CLI::App* push = add("push", "Upload store paths and their references to a binary cache");
    push->add_option("URL", args->url, "file:///DIR or http(s)://HOST/PATH (WebDAV)")->required();
    push->footer("\nExamples:\n  cudapkgs cache push --key ci.secret file:///srv/cache ./result\n"
                 "  cudapkgs cache push --key ci.secret https://cache.example.org/cuda "
                 "cudaPackages_13_0.cudnn\n");
    push->add_option("PATH", args->paths,
                     "Store path, base name, out-link or ATTRPATH (its built outputs)")
        ->required();
    push->add_option("--key", args->keys,
                     "Secret key file to sign with (repeatable; default: "
                     "config secret-key-files)");
    push->add_option("--compression-level", args->level, "zstd level 1-19 (default 9)")
        ->check(CLI::Range(1, 19));
    CLI::App* pull = add("pull", "Fetch store paths from a binary cache into the store");
    pull->add_option("URL", args->url, "Cache to ask first (then --substituter and config)")
        ->required();
    pull->add_option("PATH", args->paths, "Store path base name (or path in this store)")
        ->required();
    return [&global, &session, args, keygen, push, pull]() -> int {
        const bool json = global.json || args->json;
        if (keygen->parsed()) {
            return run_keygen(*args, json);
        }
        if (push->parsed()) {
            return run_push(session, *args, json);
        }
        if (pull->parsed()) {
            return run_pull(session, *args, json);
        }
        return 2;
    };
}

} // namespace cudapkgs::cli
