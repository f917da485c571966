// SPDX-License-Identifier: Apache-2.0
// Random-access byte sources for the ELF reader: a file read with pread (memory independent
// of file size) or an in-memory buffer (tests, fuzzing).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace cudapkgs::elf {

/// A readable, sized sequence of bytes; reads outside it are Error{Integrity}.
class ByteSource {
  public:
    virtual ~ByteSource() = default;
    /// Total size in bytes.
    virtual std::uint64_t size() const = 0;
    /// Copies `n` bytes at `offset` into `out`; throws Error{Integrity} (naming `what`) when the
    /// range is outside the source, Error{InvalidInput} on an I/O error.
    virtual void read(std::uint64_t offset, void* out, std::size_t n,
                      std::string_view what) const = 0;
    /// A name for messages (the file path, or "<memory>").
    virtual const std::string& name() const = 0;
};

/// A file opened read-only (or read-write) and read with pread.
class FileSource final : public ByteSource {
  public:
    /// Opens `path`; throws Error{InvalidInput} when it cannot.
    explicit FileSource(const std::filesystem::path& path, bool writable = false);
    ~FileSource() override;
    FileSource(const FileSource&) = delete;
    FileSource& operator=(const FileSource&) = delete;

    std::uint64_t size() const override { return m_size; }
    void read(std::uint64_t offset, void* out, std::size_t n, std::string_view what) const override;
    const std::string& name() const override { return m_name; }
    int fd() const noexcept { return m_fd; }

  private:
    int m_fd = -1;
    std::uint64_t m_size = 0;
    std::string m_name;
};

/// A view of bytes owned elsewhere.
class MemorySource final : public ByteSource {
  public:
    explicit MemorySource(std::string_view bytes, std::string name = "<memory>")
        : m_bytes(bytes), m_name(std::move(name)) {}
    std::uint64_t size() const override { return m_bytes.size(); }
    void read(std::uint64_t offset, void* out, std::size_t n, std::string_view what) const override;
    const std::string& name() const override { return m_name; }

  private:
    std::string_view m_bytes;
    std::string m_name;
};

/// True when [offset, offset+n) lies within [0, size) without overflow.
constexpr bool in_bounds(std::uint64_t offset, std::uint64_t n, std::uint64_t size) noexcept {
    return offset <= size && n <= size - offset;
}

} // namespace cudapkgs::elf
