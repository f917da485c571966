// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string_view>

namespace cudapkgs::util {

/// Data files compiled into the binary (data/gpus.json, data/nvcc-compat.json), by file name.
std::optional<std::string_view> find_embedded(std::string_view name);

} // namespace cudapkgs::util
