// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace cudapkgs::util {

/// Reads a whole file; throws Error{InvalidInput} naming the file when it cannot.
std::string read_file(const std::filesystem::path& path);

/// Writes `content` to a temporary file beside `path`, fsyncs it and renames it over `path`,
/// so readers see the old file or the new one, never a partial one.
void write_file_atomic(const std::filesystem::path& path, std::string_view content,
                       std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                                     std::filesystem::perms::owner_write |
                                                     std::filesystem::perms::group_read |
                                                     std::filesystem::perms::others_read);

/// A directory removed (recursively) when the object goes out of scope.
class ScopedTempDir {
  public:
    /// Creates a fresh directory under `parent` (default: the system temp directory).
    explicit ScopedTempDir(const std::filesystem::path& parent = {},
                           std::string_view prefix = "cudapkgs-");
    ~ScopedTempDir();
    ScopedTempDir(const ScopedTempDir&) = delete;
    ScopedTempDir& operator=(const ScopedTempDir&) = delete;

    const std::filesystem::path& path() const noexcept { return m_path; }
    /// Keeps the directory (e.g. after renaming it into place).
    void release() noexcept { m_path.clear(); }

  private:
    std::filesystem::path m_path;
};

} // namespace cudapkgs::util
