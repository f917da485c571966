// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/cache/cache_info.hpp>
#include <cudapkgs/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>

namespace cudapkgs::cache {

namespace {

bool is_hex64(std::string_view text) noexcept {
    return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

std::uint64_t parse_number(std::string_view text, std::string_view key, std::string_view origin) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty() ||
        (text.size() > 1 && text.front() == '0')) {
        throw Error(ErrorKind::Integrity,
                    fmt::format("field {} is not a decimal number: '{}'", key, text),
                    std::string(origin));
    }
    return value;
}

std::vector<std::string_view> split_words(std::string_view text) {
    std::vector<std::string_view> words;
    while (!text.empty()) {
        auto space = text.find(' ');
        if (space != 0) {
            words.push_back(text.substr(0, space));
        }
        if (space == std::string_view::npos) {
            break;
        }
        text.remove_prefix(space + 1);
    }
    return words;
}

/// Reads `Key: value` lines; Sig may repeat, other keys may not.
std::multimap<std::string, std::string> read_fields(std::string_view text,
                                                    std::string_view origin) {
    std::multimap<std::string, std::string> fields;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (line.empty()) {
            continue;
        }
        auto colon = line.find(": ");
        if (colon == std::string_view::npos) {
            throw Error(ErrorKind::Integrity, "malformed line (expected 'Key: value')",
                        fmt::format("{}:{}", origin, line_no));
        }
        std::string key(line.substr(0, colon));
        if (key != "Sig" && fields.count(key) > 0) {
            throw Error(ErrorKind::Integrity, fmt::format("field {} appears twice", key),
                        fmt::format("{}:{}", origin, line_no));
        }
        fields.emplace(std::move(key), std::string(line.substr(colon + 2)));
    }
    return fields;
}

const std::string& need(const std::multimap<std::string, std::string>& fields,
                        const std::string& key, std::string_view origin) {
    auto it = fields.find(key);
    if (it == fields.end()) {
        throw Error(ErrorKind::Integrity, fmt::format("field {} is missing", key),
                    std::string(origin));
    }
    return it->second;
}

storepath::StorePath parse_path_field(std::string_view text, std::string_view what,
                                      std::string_view origin) {
    auto path = storepath::StorePath::find_parse(text);
    if (!path) {
        throw Error(ErrorKind::Integrity,
                    fmt::format("{} '{}' is not a store path base name ({})", what, text,
                                storepath::store_path_problem(text)),
                    std::string(origin));
    }
    return *path;
}

} // namespace

std::string CacheInfo::archive_path() const {
    return fmt::format("archives/{}.tar.zst", archive_sha256);
}

std::string CacheInfo::fingerprint() const {
    std::vector<std::string> refs;
    for (const auto& r : references) {
        refs.push_back(r.to_string());
    }
    std::sort(refs.begin(), refs.end());
    return fmt::format("cudapkgs-cache-1;{};{};{};{};{};{};{}", store_path.to_string(),
                       content_hash, size, archive_sha256, archive_size, fmt::join(refs, ","),
                       deriver.value_or(""));
}

std::string info_file_name(const storepath::StorePath& path) {
    return std::string(path.hash_part()) + ".cpinfo";
}

std::string to_text(const CacheInfo& info) {
    std::string out;
    auto add = [&out](std::string_view key, std::string_view value) {
        out += fmt::format("{}: {}\n", key, value);
    };
    add("StorePath", info.store_path.to_string());
    add("ContentHash", info.content_hash);
    add("Size", std::to_string(info.size));
    add("ArchivePath", info.archive_path());
    add("ArchiveSha256", info.archive_sha256);
    add("ArchiveSize", std::to_string(info.archive_size));
    add("Compression", kCompression);
    std::vector<std::string> refs;
    for (const auto& r : info.references) {
        refs.push_back(r.to_string());
    }
    std::sort(refs.begin(), refs.end());
    add("References", fmt::format("{}", fmt::join(refs, " ")));
    if (info.deriver) {
        add("Deriver", *info.deriver);
    }
    for (const auto& sig : info.signatures) {
        add("Sig", sig);
    }
    return out;
}

CacheInfo parse_cache_info(std::string_view text, std::string_view origin) {
    auto fields = read_fields(text, origin);
    auto bad = [&](std::string message) {
        return Error(ErrorKind::Integrity, std::move(message), std::string(origin));
    };
    CacheInfo info{parse_path_field(need(fields, "StorePath", origin), "StorePath", origin)};
    info.content_hash = need(fields, "ContentHash", origin);
    if (!info.content_hash.starts_with("sha256:") || !is_hex64(info.content_hash.substr(7))) {
        throw bad(fmt::format("ContentHash '{}' is not sha256:<64 hex digits>", info.content_hash));
    }
    info.size = parse_number(need(fields, "Size", origin), "Size", origin);
    info.archive_sha256 = need(fields, "ArchiveSha256", origin);
    if (!is_hex64(info.archive_sha256)) {
        throw bad(fmt::format("ArchiveSha256 '{}' is not 64 hex digits", info.archive_sha256));
    }
    info.archive_size = parse_number(need(fields, "ArchiveSize", origin), "ArchiveSize", origin);
    if (const auto& c = need(fields, "Compression", origin); c != kCompression) {
        throw bad(fmt::format("unsupported Compression '{}' (expected {})", c, kCompression));
    }
    // The archive is named by its hash; any other ArchivePath is refused, so the one
    // unsigned location field cannot redirect a client.
    if (const auto& p = need(fields, "ArchivePath", origin); p != info.archive_path()) {
        throw bad(fmt::format("ArchivePath '{}' does not match ArchiveSha256 (expected {})", p,
                              info.archive_path()));
    }
    for (auto word : split_words(need(fields, "References", origin))) {
        info.references.push_back(parse_path_field(word, "reference", origin));
    }
    if (!std::is_sorted(info.references.begin(), info.references.end()) ||
        std::adjacent_find(info.references.begin(), info.references.end()) !=
            info.references.end()) {
        throw bad("References are not sorted and unique");
    }
    if (auto it = fields.find("Deriver"); it != fields.end()) {
        info.deriver = it->second;
    }
    auto [first, last] = fields.equal_range("Sig");
    for (auto it = first; it != last; ++it) {
        info.signatures.push_back(it->second);
    }
    return info;
}

void sign_info(CacheInfo& info, const SecretKey& key) {
    std::erase_if(info.signatures,
                  [&](const std::string& s) { return s.starts_with(key.name + ":"); });
    info.signatures.push_back(sign(key, info.fingerprint()));
}

bool has_valid_signature(const CacheInfo& info, std::span<const PublicKey> trusted) {
    const std::string fp = info.fingerprint();
    return std::any_of(info.signatures.begin(), info.signatures.end(),
                       [&](const std::string& sig) { return verify_signature(trusted, fp, sig); });
}

} // namespace cudapkgs::cache
