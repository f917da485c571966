// SPDX-License-Identifier: Apache-2.0
// Where NVIDIA's redist files lie on a mirror: the one default mirror and the one URL rule
// that the evaluator, the builder, `lock`, `mirror sync` and `doctor` all use. A product with
// another layout (TensorRT: `machine-learning/`) says so in sets.json's `layouts`; its archives
// then lie below that base path instead of product_dir().
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::manifest {

/// NVIDIA's server: the mirror used when none is configured.
inline constexpr std::string_view kDefaultMirror = "https://developer.download.nvidia.com/compute";

/// `mirrors`, or NVIDIA's server alone when it is empty.
std::vector<std::string> mirrors_or_default(std::vector<std::string> mirrors);

/// The directory of a product's manifests and archives below a mirror's root
/// (`<product>/redist`).
std::string product_dir(std::string_view product);

/// Where an archive lies below a mirror's root: `<base_path>/<relative_path>`, where
/// `base_path` is the product's (product_dir() unless sets.json's `layouts` says otherwise;
/// pkgset::Source::base_path carries it).
std::string archive_path(std::string_view base_path, std::string_view relative_path);

/// The URL of an archive on `mirror` (a base URL without a trailing slash):
/// `<mirror>/<archive_path>`.
std::string archive_url(std::string_view mirror, std::string_view base_path,
                        std::string_view relative_path);

} // namespace cudapkgs::manifest
