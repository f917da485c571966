// SPDX-License-Identifier: Apache-2.0
// Writes real tar archives (xz, gzip, zstd or uncompressed) with libarchive's writer,
// including entries no well-behaved tar would produce.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace cudapkgs::unpack::test {

enum class Filter { Xz, Gzip, Zstd, None };

class ArchiveBuilder {
  public:
    ArchiveBuilder(const std::filesystem::path& file, Filter filter = Filter::Xz)
        : m_archive(archive_write_new()) {
        archive_write_set_format_pax_restricted(m_archive);
        switch (filter) {
        case Filter::Xz:
            archive_write_add_filter_xz(m_archive);
            archive_write_set_filter_option(m_archive, "xz", "compression-level", "1");
            break;
        case Filter::Gzip:
            archive_write_add_filter_gzip(m_archive);
            break;
        case Filter::Zstd:
            archive_write_add_filter_zstd(m_archive);
            break;
        case Filter::None:
            break;
        }
        REQUIRE(archive_write_open_filename(m_archive, file.c_str()) == ARCHIVE_OK);
    }
    ~ArchiveBuilder() { close(); }
    ArchiveBuilder(const ArchiveBuilder&) = delete;
    ArchiveBuilder& operator=(const ArchiveBuilder&) = delete;

    ArchiveBuilder& dir(const std::string& name, unsigned mode = 0755) {
        return add(name, AE_IFDIR, mode, "", nullptr, nullptr);
    }
    ArchiveBuilder& file(const std::string& name, const std::string& content,
                         unsigned mode = 0644) {
        return add(name, AE_IFREG, mode, content, nullptr, nullptr);
    }
    ArchiveBuilder& symlink(const std::string& name, const std::string& target) {
        return add(name, AE_IFLNK, 0777, "", target.c_str(), nullptr);
    }
    ArchiveBuilder& hardlink(const std::string& name, const std::string& target) {
        return add(name, AE_IFREG, 0644, "", nullptr, target.c_str());
    }
    ArchiveBuilder& special(const std::string& name, unsigned type) {
        return add(name, type, 0644, "", nullptr, nullptr);
    }
    void close() {
        if (m_archive != nullptr) {
            archive_write_close(m_archive);
            archive_write_free(m_archive);
            m_archive = nullptr;
        }
    }

  private:
    ArchiveBuilder& add(const std::string& name, unsigned type, unsigned mode,
                        const std::string& content, const char* symlink, const char* hardlink) {
        archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, name.c_str());
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, mode);
        archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
        if (symlink) {
            archive_entry_set_symlink(e, symlink);
        }
        if (hardlink) {
            archive_entry_set_hardlink(e, hardlink);
        }
        if (type == AE_IFCHR) {
            archive_entry_set_rdev(e, makedev(1, 3));
        }
        REQUIRE(archive_write_header(m_archive, e) == ARCHIVE_OK);
        if (!content.empty()) {
            REQUIRE(archive_write_data(m_archive, content.data(), content.size()) ==
                    static_cast<la_ssize_t>(content.size()));
        }
        archive_entry_free(e);
        return *this;
    }
    archive* m_archive;
};

} // namespace cudapkgs::unpack::test
