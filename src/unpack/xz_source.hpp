// SPDX-License-Identifier: Apache-2.0
// Multi-threaded xz decoding in front of libarchive (module-private). libarchive's own xz
// filter decodes on one thread; liblzma's threaded decoder spreads the blocks of a
// multi-block .xz (as written by `xz -T`) over several cores and falls back to one thread
// for single-block files.
#pragma once

#include <cudapkgs/unpack/unpacker.hpp>

#include <memory>
#include <string>

namespace cudapkgs::unpack::detail {

/// True when `bytes` starts with the .xz magic (FD 37 7A 58 5A 00).
bool is_xz(std::span<const std::byte> bytes) noexcept;

/// Wraps `compressed` (starting with the xz magic) as a source of decoded bytes. Decoding
/// errors throw Error{Integrity} naming `name`. `threads` 0 = one per CPU.
ReadFn make_xz_decoder(std::string name, ReadFn compressed, unsigned threads);

/// Reads the first bytes of `source` (at least `want`, unless it ends sooner) and returns
/// them together with a ReadFn that replays them before the rest of `source`.
std::pair<std::string, ReadFn> peek(ReadFn source, std::size_t want);

} // namespace cudapkgs::unpack::detail
