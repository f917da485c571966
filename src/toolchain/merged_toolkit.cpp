// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/toolchain/merged_toolkit.hpp>
#include <cudapkgs/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

namespace cudapkgs::toolchain {

namespace fs = std::filesystem;

namespace {

class Merger {
  public:
    Merger(const fs::path& dest, const LogSink& log) : m_dest(dest), m_log(log) {}

    /// First pass: how many roots have an entry at each relative path.
    void count_entries(const fs::path& root) {
        for (const auto& e : fs::recursive_directory_iterator(root)) {
            ++m_providers[e.path().lexically_relative(root).string()];
        }
    }
    void merge_root(const fs::path& root) { merge_dir(root, root, {}); }
    MergeReport take() { return std::move(m_report); }

  private:
    /// A directory below the top level that only one root provides becomes one symlink
    /// (include/cccl: one link instead of ~1700). Top-level directories stay real, so
    /// nvcc's $(_HERE_) is the view's bin/ and every root can add to include/ and lib/.
    bool can_fold(const fs::path& rel) const {
        if (std::distance(rel.begin(), rel.end()) < 2) {
            return false;
        }
        auto it = m_providers.find(rel.string());
        return it != m_providers.end() && it->second == 1;
    }

    void merge_dir(const fs::path& root, const fs::path& dir, const fs::path& rel) {
        std::vector<fs::directory_entry> entries;
        for (const auto& e : fs::directory_iterator(dir)) {
            entries.push_back(e);
        }
        // Sorted, so conflicts are reported in the same order on every run.
        std::sort(entries.begin(), entries.end(),
                  [](const auto& a, const auto& b) { return a.path() < b.path(); });
        for (const auto& entry : entries) {
            merge_entry(root, entry, rel / entry.path().filename());
        }
    }

    void merge_entry(const fs::path& root, const fs::directory_entry& entry, const fs::path& rel) {
        const fs::path target = m_dest / rel;
        const bool is_real_dir = entry.is_directory() && !entry.is_symlink();
        const auto existing = fs::symlink_status(target);
        if (fs::exists(existing)) {
            if (is_real_dir && fs::is_directory(existing)) {
                merge_dir(root, entry.path(), rel);
                return;
            }
            conflict(rel, target, entry.path());
            return;
        }
        if (is_real_dir && can_fold(rel)) {
            fs::create_directory_symlink(link_value(root, entry, rel), target);
            ++m_report.links;
            return;
        }
        if (is_real_dir) {
            fs::create_directory(target);
            ++m_report.directories;
            merge_dir(root, entry.path(), rel);
            return;
        }
        fs::create_symlink(link_value(root, entry, rel), target);
        ++m_report.links;
    }

    /// What the view's symlink for `entry` should contain.
    fs::path link_value(const fs::path& root, const fs::directory_entry& entry,
                        const fs::path& rel) const {
        if (entry.is_symlink()) {
            fs::path value = fs::read_symlink(entry.path());
            if (value.is_relative()) {
                fs::path resolved = (root / rel.parent_path() / value).lexically_normal();
                auto inside = resolved.lexically_relative(root);
                if (!inside.empty() && *inside.begin() != "..") {
                    return value; // stays inside the root: resolve within the view
                }
            }
        }
        fs::path absolute = fs::absolute(entry.path()).lexically_normal();
        fs::path link_dir = fs::absolute(m_dest / rel.parent_path()).lexically_normal();
        fs::path relative = absolute.lexically_relative(link_dir);
        // Relative only when the two share more than "/": a view in the store pointing at
        // other store paths survives the store being moved as a whole.
        if (!relative.empty() && common_prefix_depth(absolute, link_dir) > 1) {
            return relative;
        }
        return absolute;
    }

    static std::size_t common_prefix_depth(const fs::path& a, const fs::path& b) {
        auto ia = a.begin();
        auto ib = b.begin();
        std::size_t depth = 0;
        while (ia != a.end() && ib != b.end() && *ia == *ib) {
            ++ia;
            ++ib;
            ++depth;
        }
        return depth;
    }

    void conflict(const fs::path& rel, const fs::path& kept, const fs::path& ignored) {
        std::error_code ec;
        fs::path kept_target = fs::is_symlink(kept, ec) ? fs::read_symlink(kept, ec) : kept;
        if (m_log) {
            m_log(fmt::format("merged toolkit: {} is provided twice; keeping {}, ignoring {}",
                              rel.string(), kept_target.string(), ignored.string()));
        }
        m_report.conflicts.push_back({rel, kept_target, ignored});
    }

    fs::path m_dest;
    const LogSink& m_log;
    std::unordered_map<std::string, int> m_providers;
    MergeReport m_report;
};

} // namespace

MergeReport make_merged_toolkit(const std::vector<fs::path>& roots, const fs::path& dest,
                                const LogSink& log) {
    for (const auto& root : roots) {
        if (!fs::is_directory(root)) {
            fail(ErrorKind::InvalidInput, "merged toolkit: {} is not a directory", root.string());
        }
    }
    try {
        fs::create_directories(dest);
        if (!fs::is_empty(dest)) {
            fail(ErrorKind::BuildFailed, "merged toolkit: {} is not empty", dest.string());
        }
        Merger merger(dest, log);
        for (const auto& root : roots) {
            merger.count_entries(root);
        }
        for (const auto& root : roots) {
            merger.merge_root(root);
        }
        MergeReport report = merger.take();
        // nvcc.profile links against $(TOP)/lib$(_TARGET_SIZE_) = lib64; the redist archives
        // only have lib/. Without this link ld falls back to system dirs such as /usr/local/lib.
        if (fs::is_directory(dest / "lib") && !fs::exists(fs::symlink_status(dest / "lib64"))) {
            fs::create_directory_symlink("lib", dest / "lib64");
            ++report.links;
        }
        return report;
    } catch (const fs::filesystem_error& e) {
        Error error(ErrorKind::BuildFailed, fmt::format("cannot create the merged toolkit {}: {}",
                                                        dest.string(), e.code().message()));
        if (!e.path1().empty()) {
            error.add_note("while handling " + e.path1().string());
        }
        throw error;
    }
}

} // namespace cudapkgs::toolchain
