// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/builder/features.hpp>
#include <cudapkgs/unpack/unpacker.hpp>
#include <cudapkgs/util/file.hpp>

namespace cudapkgs::builder {

namespace fs = std::filesystem;

namespace {

template <typename Pred> bool any_file(const fs::path& dir, Pred pred) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        return false;
    }
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_directory() && pred(it->path())) {
            return true;
        }
    }
    return false;
}

bool non_empty(const fs::path& dir) {
    return any_file(dir, [](const fs::path&) { return true; });
}

} // namespace

nlohmann::json features_of_tree(const fs::path& root) {
    auto executable = [](const fs::path& p) {
        return (fs::status(p).permissions() & fs::perms::owner_exec) != fs::perms::none;
    };
    auto shared = [](const fs::path& p) {
        return p.filename().string().find(".so") != std::string::npos;
    };
    auto archive = [](const fs::path& p) { return p.extension() == ".a"; };
    bool dev = false;
    for (const char* d :
         {"include", "lib/pkgconfig", "share/pkgconfig", "lib/cmake", "share/aclocal"}) {
        dev = dev || non_empty(root / d);
    }
    bool doc = false;
    for (const char* d :
         {"share/info", "share/doc", "share/gtk-doc", "share/devhelp", "share/man"}) {
        doc = doc || non_empty(root / d);
    }
    return {{"bin", any_file(root / "bin", executable)},
            {"dev", dev},
            {"doc", doc},
            {"lib", any_file(root / "lib", shared)},
            {"sample", non_empty(root / "samples")},
            {"static", any_file(root / "lib", archive)}};
}

nlohmann::json features_of_archive(const fs::path& archive) {
    util::ScopedTempDir tmp;
    unpack::Options options;
    options.roots = {tmp.path()};
    unpack::unpack_file(archive, unpack::route_into(tmp.path()), options);
    return features_of_tree(tmp.path());
}

} // namespace cudapkgs::builder
