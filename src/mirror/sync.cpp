// SPDX-License-Identifier: Apache-2.0
// Running a sync: manifests copied, archives fetched (verified), index pages written.
#include <cudapkgs/manifest/mirror_layout.hpp>
#include <cudapkgs/mirror/sync.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>
#include <cudapkgs/util/hash.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace cudapkgs::mirror {

namespace fs = std::filesystem;

namespace {

SyncedFile copy_manifest(const ManifestItem& item, const fs::path& dest) {
    SyncedFile f;
    f.path = fmt::format("{}/redistrib_{}.json", manifest::product_dir(item.product), item.version);
    std::string content = util::read_file(item.source);
    f.size = content.size();
    fs::path target = dest / f.path;
    std::error_code ec;
    if (fs::is_regular_file(target, ec) &&
        util::sha256_file_hex(target) == util::sha256_hex(content)) {
        f.status = "present";
        return f;
    }
    fs::create_directories(target.parent_path());
    util::write_file_atomic(target, content);
    f.status = "copied";
    f.bytes_transferred = content.size();
    return f;
}

std::string html_escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

} // namespace

void write_index_page(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
        std::string name = entry.path().filename().string();
        if (name == "index.html" || name.ends_with(".part") || name.starts_with(".")) {
            continue;
        }
        names.push_back(entry.is_directory() ? name + "/" : name);
    }
    std::sort(names.begin(), names.end());
    std::string html = "<!DOCTYPE html>\n<html><head><title>Index</title></head><body>\n"
                       "<a href=\"../\">../</a><br>\n";
    for (const auto& n : names) {
        html += fmt::format("<a href=\"{0}\">{0}</a><br>\n", html_escape(n));
    }
    html += "</body></html>\n";
    util::write_file_atomic(dir / "index.html", html);
}

SyncReport run_sync(const SyncPlan& plan, const fs::path& dest,
                    const std::vector<std::string>& mirrors, fetch::Fetcher& fetcher,
                    const fetch::ProgressFn& progress) {
    SyncReport report;
    std::set<std::string> products;
    for (const auto& m : plan.manifests) {
        report.manifests.push_back(copy_manifest(m, dest));
        products.insert(m.product);
    }
    std::vector<fetch::Request> requests;
    for (const auto& a : plan.archives) {
        fetch::Request r;
        for (const auto& mirror : mirrors) {
            r.urls.push_back(manifest::archive_url(mirror, a.base_path, a.relative_path));
        }
        r.sha256 = a.sha256;
        r.size = a.size;
        r.name = manifest::archive_path(a.base_path, a.relative_path);
        r.dest = dest / r.name;
        r.progress = progress;
        fs::create_directories(r.dest.parent_path());
        requests.push_back(std::move(r));
        products.insert(a.product);
    }
    std::vector<fetch::Result> results = fetcher.fetch_all(std::move(requests));
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& a = plan.archives[i];
        const auto& r = results[i];
        SyncedFile f;
        f.path = manifest::archive_path(a.base_path, a.relative_path);
        f.size = a.size;
        f.bytes_transferred = r.bytes_transferred;
        f.resumed_from = r.resumed_from;
        f.url = r.url;
        if (r.error) {
            f.status = "failed";
            f.error = r.error->what();
            report.errors.push_back(*r.error);
        } else {
            f.status = r.already_present ? "present" : "downloaded";
        }
        report.archives.push_back(std::move(f));
    }
    for (const auto& product : products) {
        fs::path redist = dest / manifest::product_dir(product);
        fs::create_directories(redist);
        write_index_page(redist);
    }
    return report;
}

} // namespace cudapkgs::mirror
