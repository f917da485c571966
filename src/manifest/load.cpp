// SPDX-License-Identifier: Apache-2.0
// Reading manifest directories from disk.
#include <cudapkgs/manifest/manifest.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>
#include <cudapkgs/version/version.hpp>

#include <algorithm>

namespace cudapkgs::manifest {

namespace fs = std::filesystem;

namespace {

/// "redistrib_12.8.2.json" with prefix "redistrib_" → "12.8.2".
std::optional<std::string> version_from_name(const std::string& name, std::string_view prefix) {
    if (!name.starts_with(prefix) || !name.ends_with(".json")) {
        return std::nullopt;
    }
    std::string v = name.substr(prefix.size(), name.size() - prefix.size() - 5);
    if (!version::Version::find(v)) {
        return std::nullopt;
    }
    return v;
}

template <typename T> void upsert(std::vector<T>& list, T item) {
    auto it = std::find_if(list.begin(), list.end(),
                           [&](const T& existing) { return existing.version == item.version; });
    if (it != list.end()) {
        *it = std::move(item);
    } else {
        list.push_back(std::move(item));
    }
}

void load_product_dir(ManifestStore& store, const fs::path& dir, const std::string& product) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.is_regular_file()) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        const std::string name = file.filename().string();
        if (auto v = version_from_name(name, "redistrib_")) {
            std::string text = util::read_file(file);
            upsert(store.products[product], parse_manifest(text, file.string(), product, *v));
        } else if (auto fv = version_from_name(name, "feature_")) {
            std::string text = util::read_file(file);
            upsert(store.features[product],
                   parse_feature_manifest(text, file.string(), product, *fv));
        }
        // Anything else (README, scripts) is ignored, as nixpkgs does.
    }
}

} // namespace

ManifestStore load_manifest_dirs(const std::vector<fs::path>& dirs) {
    ManifestStore store;
    for (const auto& dir : dirs) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) {
            throw Error(ErrorKind::InvalidInput,
                        fmt::format("manifests directory '{}' does not exist", dir.string()))
                .add_note("pass a directory holding <product>/redistrib_<version>.json files "
                          "with --manifests or CUDAPKGS_MANIFESTS");
        }
        store.directories.push_back(dir.string());
        std::vector<fs::path> subdirs;
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (entry.is_directory()) {
                subdirs.push_back(entry.path());
            }
        }
        std::sort(subdirs.begin(), subdirs.end());
        for (const auto& sub : subdirs) {
            load_product_dir(store, sub, sub.filename().string());
        }
        fs::path pins = dir / "sets.json";
        if (fs::exists(pins)) {
            SetPins loaded = parse_set_pins(util::read_file(pins), pins.string());
            for (auto& [set, products] : loaded.sets) {
                store.pins.sets[set] = std::move(products);
            }
            for (auto& [product, pin] : loaded.common) {
                store.pins.common[product] = std::move(pin);
            }
            for (auto& [product, layout] : loaded.layouts) {
                store.pins.layouts[product] = std::move(layout);
            }
            for (auto& [alias, target] : loaded.aliases) {
                store.pins.aliases[alias] = std::move(target);
            }
            store.pins.path = loaded.path;
        }
    }
    for (auto& [product, list] : store.products) {
        std::sort(list.begin(), list.end(), [](const Manifest& a, const Manifest& b) {
            return version::Version::parse(a.version) < version::Version::parse(b.version);
        });
    }
    return store;
}

} // namespace cudapkgs::manifest
