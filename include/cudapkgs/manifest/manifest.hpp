// SPDX-License-Identifier: Apache-2.0
// Typed views of NVIDIA's redistrib manifests and nixpkgs-style feature manifests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cudapkgs::manifest {

/// One downloadable archive: `{relative_path, sha256, md5, size}`.
struct Artifact {
    std::string relative_path;
    std::string sha256; ///< lower-case hex
    std::string md5;    ///< may be empty
    std::uint64_t size = 0;
};

/// A platform key's value: a flat archive, or one archive per CUDA major (`cuda12` → "12").
struct PlatformEntry {
    std::optional<Artifact> flat;
    std::map<std::string, Artifact> variants;
};

/// One package of a manifest (a top-level key other than `release_*`).
struct ManifestEntry {
    std::string key; ///< pname
    std::string name;
    std::string license;
    std::string license_path;
    std::string version;
    std::vector<std::string> cuda_variants;                       ///< "12", "13"
    std::vector<std::pair<std::string, PlatformEntry>> platforms; ///< in file order

    const PlatformEntry* find_platform(std::string_view platform) const;
};

/// A `redistrib_<version>.json` file.
struct Manifest {
    std::string product; ///< directory name: cuda, cudnn, cutensor, cusparselt, …
    std::string version; ///< from the file name
    std::string path;
    std::string release_label; ///< the file's, or `version` when absent
    std::string release_date;
    std::string release_product;
    std::vector<ManifestEntry> entries;

    const ManifestEntry* find(std::string_view key) const;
};

/// A `feature_<version>.json` file: package → platform → outputs whose flag is true.
struct FeatureManifest {
    std::string product;
    std::string version;
    std::string path;
    std::map<std::string, std::map<std::string, std::vector<std::string>>> outputs;
};

/// Parses manifest text; throws Error{InvalidInput} with `file:line:col` naming the key.
Manifest parse_manifest(std::string_view text, std::string_view path, std::string product,
                        std::string version);
/// Parses a feature manifest; throws Error{InvalidInput} with `file:line:col`.
FeatureManifest parse_feature_manifest(std::string_view text, std::string_view path,
                                       std::string product, std::string version);

/// One branch of a product pin: the version to use when the configuration matches `when`.
/// A pin is a list of branches, tried in order; the first whose conditions all hold wins (a
/// plain string pin is one branch without conditions).
struct PinBranch {
    std::string version;
    std::optional<bool> jetson;       ///< a Jetson capability is (true) / is not (false) configured
    std::vector<std::string> systems; ///< Nix systems (aarch64-linux); empty = any
    std::vector<std::string> platforms; ///< redist systems (linux-sbsa); empty = any

    /// "default", or the conditions joined: "jetson", "systems=aarch64-linux".
    std::string label() const;
    bool matches(bool jetson_configured, std::string_view system,
                 std::string_view redist_system) const;
};
using Pin = std::vector<PinBranch>;

/// How a product's archives are laid out below a mirror: `<mirror>/<base_path>/<relative_path>`.
/// NVIDIA's redist products use `<product>/redist`; TensorRT uses `machine-learning`.
struct ProductLayout {
    std::string base_path;
    std::string note; ///< where the fact comes from
};

/// The pin table `sets.json`: set name → product → pin, pins shared by every set, per-product
/// archive layouts and alias → target.
struct SetPins {
    std::map<std::string, std::map<std::string, Pin>> sets;
    std::map<std::string, Pin> common; ///< applied to every set of `sets` without its own pin
    std::map<std::string, ProductLayout> layouts;
    std::map<std::string, std::string> aliases;
    std::string path;
};
SetPins parse_set_pins(std::string_view text, std::string_view path);

/// Everything found in one or more manifest directories.
struct ManifestStore {
    /// product → manifests, oldest first.
    std::map<std::string, std::vector<Manifest>> products;
    std::map<std::string, std::vector<FeatureManifest>> features;
    SetPins pins;
    std::vector<std::string> directories;

    const Manifest* find(std::string_view product, std::string_view version) const;
    /// `<product>/redist` unless sets.json gives the product a layout.
    std::string base_path(std::string_view product) const;
};

/// Loads `<dir>/<product>/redistrib_*.json`, `feature_*.json` and `<dir>/sets.json` from each
/// directory in order (a later directory's file for the same product and version wins).
ManifestStore load_manifest_dirs(const std::vector<std::filesystem::path>& dirs);

} // namespace cudapkgs::manifest
