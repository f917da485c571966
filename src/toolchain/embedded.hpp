// SPDX-License-Identifier: Apache-2.0
// Data compiled into this module (data/nvcc-compat.json; cmake/CudapkgsEmbed.cmake generates the
// body).
#pragma once

#include <optional>
#include <string_view>

namespace cudapkgs::toolchain {

/// The embedded file called `name` ("nvcc-compat.json"), or nothing.
std::optional<std::string_view> find_embedded(std::string_view name);

} // namespace cudapkgs::toolchain
