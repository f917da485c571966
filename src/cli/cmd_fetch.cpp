// SPDX-License-Identifier: Apache-2.0
// `cudapkgs fetch URL... --sha256 H --size N -o FILE`: one verified download, the fetch
// module's command-line face (hidden from --help; documented in docs/commands/fetch.md).
#include "commands.hpp"
#include "fetch_setup.hpp"
#include "output.hpp"

#include <cudapkgs/fetch/fetcher.hpp>
#include <cudapkgs/fetch/progress.hpp>
#include <cudapkgs/util/error.hpp>

#include <algorithm>
#include <cctype>
#include <memory>

namespace cudapkgs::cli {

namespace {

struct FetchArgs {
    std::vector<std::string> urls;
    std::string sha256;
    std::uint64_t size = 0;
    std::string output;
    std::string progress = "auto";
};

void check_sha256(std::string& hex) {
    std::transform(hex.begin(), hex.end(), hex.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    bool valid = hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](unsigned char c) {
                     return std::isxdigit(c) != 0;
                 });
    if (!valid) {
        fail(ErrorKind::Usage, "--sha256 needs 64 hexadecimal digits");
    }
}

nlohmann::json to_json(const fetch::Result& r) {
    return {{"path", r.dest.string()},
            {"url", r.url},
            {"bytesTransferred", r.bytes_transferred},
            {"resumedFrom", r.resumed_from},
            {"attempts", r.attempts},
            {"alreadyPresent", r.already_present}};
}

int run_fetch(FetchArgs& args, const GlobalOptions& global) {
    check_sha256(args.sha256);
    const fetch::FetchOptions options = fetch_options_of(global);
    auto renderer = progress_renderer_of(global, args.progress);

    fetch::Request request;
    request.urls = args.urls;
    request.sha256 = args.sha256;
    request.size = args.size;
    request.dest = args.output;
    request.progress = renderer->callback();

    auto fetcher = fetch::make_fetcher(options);
    std::vector<fetch::Request> requests;
    requests.push_back(std::move(request));
    auto results = fetcher->fetch_all(std::move(requests));
    fetch::throw_first_error(results);
    if (global.json) {
        print_json(to_json(results.front()));
    } else {
        print_line(results.front().dest.string());
    }
    return 0;
}

} // namespace

RunFn setup_fetch(CLI::App& cmd, Session& session) {
    const GlobalOptions& global = session.global();
    auto args = std::make_shared<FetchArgs>();
    cmd.group(""); // hidden from `cudapkgs --help`: a tool for tests and debugging mirrors
    cmd.add_option("url", args->urls, "Candidate URLs, tried in order (http, https, file)")
        ->required();
    cmd.add_option("--sha256", args->sha256, "Expected SHA-256 (hex)")->required();
    cmd.add_option("--size", args->size, "Expected size in bytes")->required();
    cmd.add_option("-o,--output", args->output, "Destination file")->required();
    cmd.add_option("--progress", args->progress, "auto, bar, plain, json or none")
        ->capture_default_str();
    return [args, &global] { return run_fetch(*args, global); };
}

} // namespace cudapkgs::cli
