// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/manifest/manifest.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/json_locate.hpp>
#include <cudapkgs/version/version.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace cudapkgs::manifest {

using nlohmann::json;

const PlatformEntry* ManifestEntry::find_platform(std::string_view platform) const {
    for (const auto& [platform_name, entry] : platforms) {
        if (platform_name == platform) {
            return &entry;
        }
    }
    return nullptr;
}

const ManifestEntry* Manifest::find(std::string_view key) const {
    for (const auto& e : entries) {
        if (e.key == key) {
            return &e;
        }
    }
    return nullptr;
}

namespace {

/// Where we are in a JSON document, for error messages.
struct Cursor {
    std::string_view file;
    std::string_view text;
    std::vector<std::string> path;

    [[noreturn]] void error(const std::string& what) const {
        throw Error(ErrorKind::InvalidInput,
                    fmt::format("key '{}': {}", util::format_json_path(path), what),
                    util::json_origin(file, text, path));
    }
    struct Scope {
        Cursor& c;
        Scope(Cursor& cursor, std::string key) : c(cursor) { c.path.push_back(std::move(key)); }
        ~Scope() { c.path.pop_back(); }
        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;
    };
};

json parse_json(std::string_view text, std::string_view file) {
    try {
        return json::parse(text);
    } catch (const json::parse_error& e) {
        auto pos = util::position_of(text, e.byte > 0 ? e.byte - 1 : 0);
        std::string what = e.what();
        // nlohmann prefixes "[json.exception.parse_error.101] parse error at line …: "; keep
        // only the explanation after the last ": ".
        auto colon = what.rfind(": ");
        throw Error(ErrorKind::InvalidInput,
                    fmt::format("invalid JSON: {}",
                                colon == std::string::npos ? what : what.substr(colon + 2)),
                    fmt::format("{}:{}:{}", file, pos.line, pos.column));
    }
}

std::string expect_string(Cursor& c, const json& value) {
    if (!value.is_string()) {
        c.error(fmt::format("expected a string, got {}", value.type_name()));
    }
    return value.get<std::string>();
}

bool is_hex(std::string_view s, std::size_t length) {
    return s.size() == length && std::all_of(s.begin(), s.end(), [](char ch) {
               return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
                      (ch >= 'A' && ch <= 'F');
           });
}

Artifact parse_artifact(Cursor& c, const json& value) {
    if (!value.is_object()) {
        c.error(fmt::format("expected an archive object, got {}", value.type_name()));
    }
    Artifact a;
    auto field = [&](const char* key, bool required) -> std::optional<std::string> {
        Cursor::Scope s(c, key);
        auto it = value.find(key);
        if (it == value.end()) {
            if (required) {
                c.path.pop_back();
                c.error(fmt::format("missing '{}'", key));
            }
            return std::nullopt;
        }
        return expect_string(c, *it);
    };
    a.relative_path = *field("relative_path", true);
    a.sha256 = *field("sha256", true);
    a.md5 = field("md5", false).value_or("");
    std::string size = *field("size", true);
    {
        Cursor::Scope s(c, "relative_path");
        if (a.relative_path.empty() || a.relative_path.front() == '/' ||
            a.relative_path.find("..") != std::string::npos) {
            c.error(fmt::format("unsafe relative_path '{}'", a.relative_path));
        }
    }
    {
        Cursor::Scope s(c, "sha256");
        if (!is_hex(a.sha256, 64)) {
            c.error(fmt::format("'{}' is not a sha256 (64 hex digits)", a.sha256));
        }
        std::transform(a.sha256.begin(), a.sha256.end(), a.sha256.begin(),
                       [](char ch) { return static_cast<char>(std::tolower(ch)); });
    }
    if (!a.md5.empty()) {
        Cursor::Scope s(c, "md5");
        if (!is_hex(a.md5, 32)) {
            c.error(fmt::format("'{}' is not an md5 (32 hex digits)", a.md5));
        }
    }
    {
        Cursor::Scope s(c, "size");
        if (size.empty() || size.size() > 19 || !std::all_of(size.begin(), size.end(), [](char ch) {
                return ch >= '0' && ch <= '9';
            })) {
            c.error(fmt::format("size '{}' is not a non-negative decimal number", size));
        }
        a.size = std::stoull(size);
    }
    return a;
}

bool is_platform_key(std::string_view key) {
    return key == "source" || key.starts_with("linux-") || key.starts_with("windows-");
}

PlatformEntry parse_platform(Cursor& c, const json& value) {
    PlatformEntry p;
    if (!value.is_object()) {
        c.error(fmt::format("expected an object, got {}", value.type_name()));
    }
    if (value.contains("relative_path")) {
        p.flat = parse_artifact(c, value);
        return p;
    }
    for (const auto& [variant, artifact] : value.items()) {
        Cursor::Scope s(c, variant);
        if (!variant.starts_with("cuda") || variant.size() == 4) {
            c.error("expected an archive (relative_path, sha256, size) or cudaNN variants");
        }
        p.variants.emplace(variant.substr(4), parse_artifact(c, artifact));
    }
    return p;
}

ManifestEntry parse_entry(Cursor& c, const std::string& key, const json& value) {
    if (!value.is_object()) {
        c.error(fmt::format("expected a package object, got {}", value.type_name()));
    }
    ManifestEntry e;
    e.key = key;
    for (const auto& [field, v] : value.items()) {
        Cursor::Scope s(c, field);
        if (field == "name") {
            e.name = expect_string(c, v);
        } else if (field == "license") {
            e.license = expect_string(c, v);
        } else if (field == "license_path") {
            e.license_path = expect_string(c, v);
        } else if (field == "version") {
            e.version = expect_string(c, v);
            if (!version::Version::find(e.version)) {
                c.error(fmt::format("'{}' is not a version", e.version));
            }
        } else if (field == "cuda_variant") {
            if (!v.is_array()) {
                c.error(fmt::format("expected a list of CUDA majors, got {}", v.type_name()));
            }
            for (const auto& item : v) {
                e.cuda_variants.push_back(expect_string(c, item));
            }
        } else if (is_platform_key(field)) {
            e.platforms.emplace_back(field, parse_platform(c, v));
        } else if (v.is_object()) {
            c.error("unknown platform key (expected linux-*, windows-* or source)");
        }
        // Other scalar fields are informational; newer manifests may add some.
    }
    if (e.version.empty()) {
        c.error("missing 'version'");
    }
    return e;
}

} // namespace

Manifest parse_manifest(std::string_view text, std::string_view path, std::string product,
                        std::string version) {
    json doc = parse_json(text, path);
    Cursor c{path, text, {}};
    if (!doc.is_object()) {
        c.error(fmt::format("a manifest must be a JSON object, got {}", doc.type_name()));
    }
    Manifest m;
    m.product = std::move(product);
    m.version = std::move(version);
    m.path = std::string(path);
    for (const auto& [key, value] : doc.items()) {
        Cursor::Scope s(c, key);
        if (key == "release_date") {
            m.release_date = expect_string(c, value);
        } else if (key == "release_label") {
            m.release_label = expect_string(c, value);
        } else if (key == "release_product") {
            m.release_product = expect_string(c, value);
        } else {
            m.entries.push_back(parse_entry(c, key, value));
        }
    }
    if (m.release_label.empty()) {
        m.release_label = m.version;
    }
    return m;
}

FeatureManifest parse_feature_manifest(std::string_view text, std::string_view path,
                                       std::string product, std::string version) {
    json doc = parse_json(text, path);
    Cursor c{path, text, {}};
    if (!doc.is_object()) {
        c.error(fmt::format("a feature manifest must be a JSON object, got {}", doc.type_name()));
    }
    FeatureManifest f;
    f.product = std::move(product);
    f.version = std::move(version);
    f.path = std::string(path);
    for (const auto& [pkg, platforms] : doc.items()) {
        Cursor::Scope s1(c, pkg);
        if (!platforms.is_object()) {
            c.error("expected platform → {outputs} objects");
        }
        for (const auto& [platform, entry] : platforms.items()) {
            Cursor::Scope s2(c, platform);
            auto it = entry.is_object() ? entry.find("outputs") : entry.end();
            if (it == entry.end() || !it->is_object()) {
                c.error("expected {\"outputs\": {name: bool}}");
            }
            auto& list = f.outputs[pkg][platform];
            for (const auto& [output, flag] : it->items()) {
                Cursor::Scope s3(c, output);
                if (!flag.is_boolean()) {
                    c.error(fmt::format("expected true or false, got {}", flag.type_name()));
                }
                if (flag.get<bool>()) {
                    list.push_back(output);
                }
            }
        }
    }
    return f;
}

SetPins parse_set_pins(std::string_view text, std::string_view path) {
    json doc = parse_json(text, path);
    Cursor c{path, text, {}};
    SetPins pins;
    pins.path = std::string(path);
    if (!doc.is_object()) {
        c.error("sets.json must be an object with 'sets' and 'aliases'");
    }
    for (const auto& [key, value] : doc.items()) {
        Cursor::Scope s(c, key);
        if (key == "sets") {
            if (!value.is_object()) {
                c.error("expected set name → {product: version}");
            }
            for (const auto& [set, products] : value.items()) {
                Cursor::Scope s2(c, set);
                if (!set.starts_with("cudaPackages_") || !products.is_object()) {
                    c.error("expected cudaPackages_X_Y: {product: version}");
                }
                for (const auto& [product, version] : products.items()) {
                    Cursor::Scope s3(c, product);
                    pins.sets[set][product] = expect_string(c, version);
                }
            }
        } else if (key == "aliases") {
            if (!value.is_object()) {
                c.error("expected alias → set name");
            }
            for (const auto& [alias, target] : value.items()) {
                Cursor::Scope s2(c, alias);
                pins.aliases[alias] = expect_string(c, target);
            }
        } else if (key != "description" && key != "$comment") {
            c.error("unknown key (expected 'sets', 'aliases' or 'description')");
        }
    }
    return pins;
}

const Manifest* ManifestStore::find(std::string_view product, std::string_view version) const {
    auto it = products.find(std::string(product));
    if (it == products.end()) {
        return nullptr;
    }
    for (const auto& m : it->second) {
        if (m.version == version) {
            return &m;
        }
    }
    return nullptr;
}

} // namespace cudapkgs::manifest
