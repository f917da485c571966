// SPDX-License-Identifier: Apache-2.0
// Streaming, safety-checked extraction of tar archives (xz, gzip, zstd or none) with
// per-entry routing (docs/store.md explains how the builder uses it).
#pragma once

#include <cudapkgs/util/file_stamp.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cudapkgs::unpack {

enum class EntryType { Directory, File, Symlink, Hardlink };

/// An archive entry, its path already checked and the top directory stripped.
struct Entry {
    std::string archive_path;   ///< the name as stored in the archive
    std::filesystem::path path; ///< relative and normalised, e.g. "lib/libcublas.so.13"
    EntryType type = EntryType::File;
    std::uint32_t mode = 0;  ///< permission bits, setuid/setgid/sticky cleared
    std::uint64_t size = 0;  ///< data bytes of a regular file
    std::string link_target; ///< symlink: target as stored; hard link: target's `path`
};

/// Where an entry goes: an absolute path inside one of Options::roots, or nullopt to drop it.
using Router = std::function<std::optional<std::filesystem::path>(const Entry&)>;

/// Something the unpacker created.
struct WrittenEntry {
    std::filesystem::path destination;
    EntryType type = EntryType::File;
    std::uint32_t mode = 0;       ///< the entry's sanitised mode
    std::uint64_t size = 0;       ///< bytes written (files)
    std::filesystem::path source; ///< the entry's stripped path
    /// Regular files, with Options::hash_files: the content digest taken while writing.
    std::optional<util::FileDigest> digest = {};
};

struct Options {
    /// Directories every destination must lie in (created when missing); a symlink may not
    /// point outside the root it is written into.
    std::vector<std::filesystem::path> roots;
    /// Bound on the file data an archive may declare and unpack (zip bombs).
    std::uint64_t max_unpacked_bytes = std::uint64_t{16} << 30;
    /// Bound on the number of entries.
    std::uint64_t max_entries = 1'000'000;
    /// Strip the single top-level directory (`<pname>-linux-x86_64-<version>-archive/`).
    bool strip_top_directory = true;
    /// Called after each regular file or hard link is complete and closed (e.g. ELF patching).
    std::function<void(const WrittenEntry&)> on_written;
    /// Decode .xz with liblzma's threaded decoder (several blocks at once when the file has
    /// several, as `xz -T` writes them) rather than libarchive's single-threaded filter.
    bool threaded_xz = true;
    /// Threads for that decoder; 0 = one per CPU (at most 16).
    unsigned xz_threads = 0;
    /// Start kernel writeback of each file as it is closed, so a later fsync is cheap.
    bool start_writeback = true;
    /// Hash each regular file's bytes as they are written (WrittenEntry::digest), so sealing
    /// it into the store need not read it back.
    bool hash_files = false;
    /// unpack_file(): the stamp the archive had when its hash was verified; an archive with
    /// another stamp when opened or after extraction fails with Error{Integrity}.
    std::optional<util::FileStamp> archive_stamp = {};
    /// unpack_file(): called with the number of compressed bytes read so far, after each read
    /// of the archive (about every MiB), e.g. for a progress display.
    std::function<void(std::uint64_t)> on_read = {};
};

struct Result {
    std::vector<WrittenEntry> written; ///< in archive order (directories included)
    std::string top_directory;         ///< the stripped directory name, if any
    std::uint64_t bytes = 0;           ///< file data bytes written
    std::uint64_t entries = 0;         ///< entries read (including dropped ones)
};

/// Supplies the next chunk of the compressed archive; an empty span means end of input.
/// May throw: the exception propagates out of unpack_stream() unchanged.
using ReadFn = std::function<std::span<const std::byte>()>;

/// Extracts the archive file at `archive`. Throws Error{Integrity} naming the archive and the
/// entry for corrupt or unsafe archives (`..`, absolute paths, links escaping, hard links to
/// files outside the archive, devices/fifos/sockets, more than the byte bound), and
/// Error{Internal} for local I/O failures or a router result outside Options::roots.
Result unpack_file(const std::filesystem::path& archive, const Router& router,
                   const Options& options);

/// unpack_file() reading the compressed bytes from `read`; `name` is used in messages.
Result unpack_stream(std::string_view name, const ReadFn& read, const Router& router,
                     const Options& options);

/// A router sending every entry to `root / entry.path`.
Router route_into(const std::filesystem::path& root);

} // namespace cudapkgs::unpack
