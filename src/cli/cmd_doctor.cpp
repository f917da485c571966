// SPDX-License-Identifier: Apache-2.0
// `cudapkgs doctor [--json]`: driver, host compiler, manifests, store and mirror checks.
// Always exits 0: findings are reported, not raised.
#include "commands.hpp"
#include "context.hpp"
#include "output.hpp"

#include <cudapkgs/fetch/http_get.hpp>
#include <cudapkgs/fetch/url.hpp>
#include <cudapkgs/manifest/mirror_layout.hpp>
#include <cudapkgs/mirror/sync.hpp>
#include <cudapkgs/store/store.hpp>
#include <cudapkgs/toolchain/driver.hpp>
#include <cudapkgs/toolchain/host_compiler.hpp>
#include <cudapkgs/util/error.hpp>

#include <fmt/ranges.h>

#include <unistd.h>

namespace cudapkgs::cli {

namespace {

using nlohmann::json;

struct Check {
    std::string name;
    std::string status; ///< ok, warn, fail
    std::string summary;
    json details = json::object();
};

int rank(const std::string& status) {
    return status == "fail" ? 2 : status == "warn" ? 1 : 0;
}

Check check_driver(const pkgset::Catalog* catalog) {
    auto info = toolchain::probe_driver();
    Check c{"driver", "ok", "", {{"source", info.source}}};
    if (!info.cuda_version) {
        c.status = "warn";
        c.summary = "no NVIDIA driver: " + info.message +
                    " (packages still build; running CUDA programs needs a driver)";
        return c;
    }
    c.details["cudaVersion"] = *info.cuda_version;
    c.summary = fmt::format("driver supports CUDA {} ({})", *info.cuda_version, info.source);
    auto driver = version::Version::find(*info.cuda_version);
    if (catalog == nullptr || !driver) {
        return c;
    }
    json newer = json::array();
    for (const auto& def : catalog->sets()) {
        if (*driver < def.cuda_major_minor) {
            newer.push_back(def.name);
        }
    }
    c.details["setsNeedingNewerDriver"] = newer;
    if (!newer.empty()) {
        c.summary += fmt::format("; {} set(s) need a newer driver or cuda_compat", newer.size());
    }
    return c;
}

Check check_compiler(const pkgset::Catalog* catalog) {
    auto compiler = toolchain::detect_host_compiler();
    Check c{"compiler", "ok", "", {}};
    if (!compiler) {
        c.status = "warn";
        c.summary = "no host C++ compiler found (CUDAHOSTCXX, CXX, g++, clang++): source "
                    "packages cannot be built";
        return c;
    }
    c.details = {{"path", compiler->path},
                 {"family", compiler->family},
                 {"version", compiler->version},
                 {"sets", json::object()}};
    std::vector<std::string> unsupported;
    for (const auto& def : catalog ? catalog->sets() : std::vector<pkgset::SetDefinition>{}) {
        auto compat = toolchain::find_nvcc_compat(def.cuda_major_minor);
        const auto* range = compat ? &compat->range_for(compiler->family) : nullptr;
        bool ok =
            range && *range && compiler->major >= (*range)->min && compiler->major <= (*range)->max;
        c.details["sets"][def.name] = {
            {"supported", ok},
            {"range", range && *range ? json(fmt::format("{}-{}", (*range)->min, (*range)->max))
                                      : json(nullptr)}};
        if (!ok) {
            unsupported.push_back(def.name);
        }
    }
    c.summary = fmt::format("{} {} ({})", compiler->family, compiler->version, compiler->path);
    if (!unsupported.empty()) {
        c.status = "warn";
        c.summary +=
            fmt::format("; outside nvcc's supported range for {}", fmt::join(unsupported, ", "));
    }
    return c;
}

Check check_store(const GlobalOptions& global) {
    std::string root = store_dir(global);
    Check c{"store", "ok", "", {{"path", root}}};
    std::error_code ec;
    if (!std::filesystem::exists(root, ec)) {
        c.summary = root + " does not exist yet (created by the first build)";
        c.details["paths"] = 0;
        return c;
    }
    try {
        store::Store store(root);
        std::size_t broken = 0;
        std::uint64_t size = 0;
        auto paths = store.list();
        for (const auto& info : paths) {
            size += info.size;
            try {
                store.is_valid(info.path);
            } catch (const Error&) {
                ++broken;
            }
        }
        c.details["paths"] = paths.size();
        c.details["size"] = size;
        c.details["broken"] = broken;
        c.details["writable"] = ::access(root.c_str(), W_OK) == 0;
        c.summary = fmt::format("{}: {} paths, {} bytes", root, paths.size(), size);
        if (broken > 0) {
            c.status = "fail";
            c.summary +=
                fmt::format(", {} missing or replaced (run 'cudapkgs store verify')", broken);
        } else if (!c.details["writable"].get<bool>()) {
            c.status = "warn";
            c.summary += " (read-only)";
        }
    } catch (const Error& e) {
        c.status = "fail";
        c.summary = fmt::format("{} cannot be opened: {}", root, e.what());
    }
    return c;
}

Check check_mirror(const GlobalOptions& global) {
    std::string mirror = manifest::mirrors_or_default(mirrors_of(global)).front();
    std::string url = mirror + "/" + manifest::product_dir("cuda") + "/";
    Check c{"mirror", "ok", "", {{"url", fetch::redact_url(url)}, {"skipped", false}}};
    if (global.offline && fetch::url_scheme(url) != "file") {
        c.details["skipped"] = true;
        c.summary = "not checked (--offline)";
        return c;
    }
    fetch::FetchOptions options;
    options.ca_bundle = global.cacert;
    options.offline = global.offline;
    auto probe = fetch::probe_url(url, options, std::chrono::milliseconds(5000));
    c.details["status"] = probe.status;
    c.details["ms"] = probe.elapsed.count();
    c.summary = fmt::format("{}: {}", fetch::redact_url(url), probe.message);
    if (!probe.reachable) {
        c.status = "fail";
    } else if (probe.status >= 400) {
        c.status = "warn";
    }
    return c;
}

} // namespace

RunFn setup_doctor(CLI::App& /*cmd*/, Session& session) {
    const GlobalOptions& global = session.global();
    return [&global, &session] {
        std::vector<Check> checks;
        EvalContext* ctx = nullptr;
        try {
            // Reports on the manifests and evaluates nothing, so --frozen is not applied.
            ctx = &session.unchecked_eval();
            checks.push_back({"manifests",
                              "ok",
                              fmt::format("{} package sets from {}", ctx->catalog->sets().size(),
                                          fmt::join(ctx->catalog->manifests().directories, ", ")),
                              {{"sets", ctx->catalog->sets().size()}}});
        } catch (const Error& e) {
            checks.push_back({"manifests", "fail", e.what(), json::object()});
        }
        const pkgset::Catalog* catalog = ctx ? ctx->catalog.get() : nullptr;
        checks.push_back(check_driver(catalog));
        checks.push_back(check_compiler(catalog));
        checks.push_back(check_store(global));
        checks.push_back(check_mirror(global));
        int worst = 0;
        json out = json::array();
        for (const auto& c : checks) {
            worst = std::max(worst, rank(c.status));
            out.push_back({{"name", c.name},
                           {"status", c.status},
                           {"summary", c.summary},
                           {"details", c.details}});
            if (!global.json) {
                print_line(fmt::format("[{:<4}] {:<9} {}", c.status, c.name, c.summary));
            }
        }
        if (global.json) {
            print_json({{"checks", out},
                        {"status", worst == 2   ? "fail"
                                   : worst == 1 ? "warn"
                                                : "ok"}});
        }
        return 0;
    };
}

} // namespace cudapkgs::cli
