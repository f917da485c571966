// SPDX-License-Identifier: Apache-2.0
// Compact JSON text, byte for byte what nlohmann::json::dump() writes, without its per-byte
// UTF-8 state machine for plain ASCII strings (bench/eval writes 16 MB of them; derivation
// hashes are taken over this text, so it must never differ from dump()).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace cudapkgs::util {

/// Appends `value.dump()` to `out`. Strings with bytes outside ASCII, floats and binary values
/// are written by nlohmann itself (same text, same exception on invalid UTF-8).
void dump_compact(const nlohmann::json& value, std::string& out);
/// `value.dump()`.
std::string dump_compact(const nlohmann::json& value);

} // namespace cudapkgs::util
