// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/fetch/http_get.hpp>
#include <cudapkgs/fetch/url.hpp>
#include <cudapkgs/manifest/manifest.hpp>
#include <cudapkgs/manifest/mirror_layout.hpp>
#include <cudapkgs/mirror/update.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>
#include <cudapkgs/util/hash.hpp>
#include <cudapkgs/util/interrupt.hpp>
#include <cudapkgs/version/version.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace cudapkgs::mirror {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPrefix = "redistrib_";
constexpr std::string_view kSuffix = ".json";
const std::vector<std::string> kKnownProducts = {"cuda", "cudnn", "cusparselt", "cutensor"};

/// The version in a `redistrib_<version>.json` file name, or nullopt.
std::optional<std::string> version_of(std::string_view name) {
    if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) {
        return std::nullopt;
    }
    std::string v(name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size()));
    if (v.empty() || !version::Version::find(v)) {
        return std::nullopt;
    }
    return v;
}

void sort_versions(std::vector<std::string>& versions) {
    std::sort(versions.begin(), versions.end(), [](const std::string& a, const std::string& b) {
        return version::Version::parse(a) < version::Version::parse(b);
    });
    versions.erase(std::unique(versions.begin(), versions.end()), versions.end());
}

/// The versions a `file://` mirror's directory holds (a directory needs no index page).
std::vector<std::string> list_directory(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        fail(ErrorKind::Fetch, "cannot read the index of {}: no such directory", dir.string());
    }
    std::vector<std::string> versions;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (auto v = version_of(entry.path().filename().string())) {
            versions.push_back(*v);
        }
    }
    sort_versions(versions);
    return versions;
}

std::vector<std::string> list_index(const std::string& base, const fetch::FetchOptions& fetch) {
    if (fetch::url_scheme(base) == "file") {
        return list_directory(base.substr(std::string_view("file://").size()));
    }
    return parse_redist_index(fetch::get_document(base + "/", fetch, 16u << 20));
}

std::vector<std::string> default_products(const fs::path& dest) {
    std::vector<std::string> found;
    std::error_code ec;
    if (fs::is_directory(dest, ec)) {
        for (const auto& entry : fs::directory_iterator(dest)) {
            if (entry.is_directory() && !list_directory(entry.path()).empty()) {
                found.push_back(entry.path().filename().string());
            }
        }
    }
    std::sort(found.begin(), found.end());
    return found.empty() ? kKnownProducts : found;
}

struct Pending {
    AddedManifest info;
    std::string text;
};

} // namespace

std::vector<std::string> parse_redist_index(std::string_view html) {
    std::vector<std::string> versions;
    std::size_t pos = 0;
    while ((pos = html.find("href=", pos)) != std::string_view::npos) {
        pos += 5;
        if (pos >= html.size()) {
            break;
        }
        char quote = html[pos];
        std::size_t start = pos;
        std::size_t end = std::string_view::npos;
        if (quote == '"' || quote == '\'') {
            start = pos + 1;
            end = html.find(quote, start);
        } else {
            end = html.find_first_of(" \t\r\n>", start);
        }
        if (end == std::string_view::npos) {
            break;
        }
        std::string_view href = html.substr(start, end - start);
        href = href.substr(0, href.find_first_of("?#"));
        std::size_t slash = href.rfind('/');
        if (auto v = version_of(slash == std::string_view::npos ? href : href.substr(slash + 1))) {
            versions.push_back(*v);
        }
        pos = end;
    }
    sort_versions(versions);
    return versions;
}

UpdateReport update_manifests(const UpdateOptions& options) {
    const bool defaulted = options.products.empty();
    std::vector<std::string> products =
        defaulted ? default_products(options.dest) : options.products;
    std::optional<version::Version> since;
    if (options.since) {
        since = version::Version::parse(*options.since);
    }
    if (options.fetch.offline && fetch::url_scheme(options.mirror) != "file") {
        throw Error(ErrorKind::Fetch,
                    fmt::format("cannot read the index of {} in offline mode (network access "
                                "is off)",
                                fetch::redact_url(options.mirror)))
            .add_note("run 'cudapkgs mirror sync --dest DIR' while online, then pass "
                      "--mirror file://DIR");
    }
    UpdateReport report;
    std::vector<Pending> pending;
    std::optional<Error> first_error;
    for (const auto& product : products) {
        util::check_interrupt();
        std::string base = options.mirror + "/" + manifest::product_dir(product);
        ProductListing listing{product, {}, {}};
        try {
            listing.versions = list_index(base, options.fetch);
        } catch (Error& e) {
            if (!defaulted) {
                throw e.add_note(fmt::format("while reading the index of product '{}'", product));
            }
            listing.note = e.what();
            if (!first_error) {
                first_error = e;
            }
            spdlog::warn("skipping product {}: {}", product, e.what());
        }
        std::erase_if(listing.versions, [&](const std::string& v) {
            return since && version::Version::parse(v) < *since;
        });
        for (const auto& v : listing.versions) {
            util::check_interrupt(); // nothing is written before every manifest was read
            fs::path target = options.dest / product / ("redistrib_" + v + ".json");
            std::error_code ec;
            if (fs::exists(target, ec)) {
                continue;
            }
            std::string url = base + "/redistrib_" + v + ".json";
            std::string text = fetch::get_document(url, options.fetch);
            // Validate before anything is written: a truncated or foreign file fails here.
            manifest::parse_manifest(text, fetch::redact_url(url), product, v);
            AddedManifest info{
                product,    v, target.string(), fetch::redact_url(url), util::sha256_hex(text),
                text.size()};
            pending.push_back({std::move(info), std::move(text)});
        }
        report.products.push_back(std::move(listing));
    }
    if (first_error && first_error->kind() == ErrorKind::Fetch &&
        std::all_of(report.products.begin(), report.products.end(),
                    [](const ProductListing& l) { return !l.note.empty(); })) {
        throw *first_error; // not one index could be read: the mirror, not the products
    }
    for (auto& p : pending) {
        fs::create_directories(fs::path(p.info.path).parent_path());
        util::write_file_atomic(p.info.path, p.text);
        report.added.push_back(std::move(p.info));
    }
    return report;
}

} // namespace cudapkgs::mirror
