// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/manifest/manifest.hpp>
#include <cudapkgs/manifest/mirror_layout.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/json_cursor.hpp>
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

using Cursor = util::JsonCursor;

json parse_json(std::string_view text, std::string_view file) {
    return util::parse_json_text(text, file);
}

std::string expect_string(const Cursor& c, const json& value) {
    return c.expect_string(value);
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
        auto it = value.find(key);
        if (it == value.end()) {
            if (required) {
                c.error(fmt::format("missing '{}'", key));
            }
            return std::nullopt;
        }
        auto s = c.enter(key);
        return expect_string(c, *it);
    };
    a.relative_path = *field("relative_path", true);
    a.sha256 = *field("sha256", true);
    a.md5 = field("md5", false).value_or("");
    std::string size = *field("size", true);
    {
        auto s = c.enter("relative_path");
        if (a.relative_path.empty() || a.relative_path.front() == '/' ||
            a.relative_path.find("..") != std::string::npos) {
            c.error(fmt::format("unsafe relative_path '{}'", a.relative_path));
        }
    }
    {
        auto s = c.enter("sha256");
        if (!is_hex(a.sha256, 64)) {
            c.error(fmt::format("'{}' is not a sha256 (64 hex digits)", a.sha256));
        }
        std::transform(a.sha256.begin(), a.sha256.end(), a.sha256.begin(),
                       [](char ch) { return static_cast<char>(std::tolower(ch)); });
    }
    if (!a.md5.empty()) {
        auto s = c.enter("md5");
        if (!is_hex(a.md5, 32)) {
            c.error(fmt::format("'{}' is not an md5 (32 hex digits)", a.md5));
        }
    }
    {
        auto s = c.enter("size");
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
        auto s = c.enter(variant);
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
        auto s = c.enter(field);
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
    Cursor c(path, text);
    if (!doc.is_object()) {
        c.error(fmt::format("a manifest must be a JSON object, got {}", doc.type_name()));
    }
    Manifest m;
    m.product = std::move(product);
    m.version = std::move(version);
    m.path = std::string(path);
    for (const auto& [key, value] : doc.items()) {
        auto s = c.enter(key);
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
    Cursor c(path, text);
    if (!doc.is_object()) {
        c.error(fmt::format("a feature manifest must be a JSON object, got {}", doc.type_name()));
    }
    FeatureManifest f;
    f.product = std::move(product);
    f.version = std::move(version);
    f.path = std::string(path);
    for (const auto& [pkg, platforms] : doc.items()) {
        auto s1 = c.enter(pkg);
        if (!platforms.is_object()) {
            c.error("expected platform → {outputs} objects");
        }
        for (const auto& [platform, entry] : platforms.items()) {
            auto s2 = c.enter(platform);
            auto it = entry.is_object() ? entry.find("outputs") : entry.end();
            if (it == entry.end() || !it->is_object()) {
                c.error("expected {\"outputs\": {name: bool}}");
            }
            auto& list = f.outputs[pkg][platform];
            for (const auto& [output, flag] : it->items()) {
                auto s3 = c.enter(output);
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

namespace {

Pin parse_pin(Cursor& c, const json& value) {
    if (value.is_string()) {
        return {PinBranch{value.get<std::string>(), std::nullopt, {}, {}}};
    }
    if (!value.is_array() || value.empty()) {
        c.error("expected a version or a non-empty list of {\"when\": {...}, \"version\": ...}");
    }
    Pin pin;
    for (std::size_t i = 0; i < value.size(); ++i) {
        auto s = c.enter(std::to_string(i));
        const json& b = value[i];
        c.expect_object(b, "{\"when\": {...}, \"version\": ...}");
        PinBranch branch;
        for (const auto& [key, v] : b.items()) {
            auto s2 = c.enter(key);
            if (key == "version") {
                branch.version = expect_string(c, v);
            } else if (key == "when") {
                c.expect_object(v, "conditions: jetson, systems, platforms");
                for (const auto& [ckey, cv] : v.items()) {
                    auto s3 = c.enter(ckey);
                    if (ckey == "jetson") {
                        branch.jetson = c.expect_bool(cv);
                    } else if (ckey == "systems") {
                        branch.systems = c.expect_strings(cv);
                    } else if (ckey == "platforms") {
                        branch.platforms = c.expect_strings(cv);
                    } else {
                        c.unknown_key(ckey, {"jetson", "systems", "platforms"});
                    }
                }
            } else if (key != "description") {
                c.unknown_key(key, {"when", "version", "description"});
            }
        }
        if (branch.version.empty()) {
            c.error("missing 'version'");
        }
        pin.push_back(std::move(branch));
    }
    if (pin.back().jetson || !pin.back().systems.empty() || !pin.back().platforms.empty()) {
        c.error("the last branch of a pin must have no 'when' (the default)");
    }
    return pin;
}

} // namespace

std::string PinBranch::label() const {
    std::vector<std::string> parts;
    if (jetson) {
        parts.push_back(*jetson ? "jetson" : "not jetson");
    }
    auto join = [](const std::vector<std::string>& items) {
        std::string out;
        for (const auto& i : items) {
            out += (out.empty() ? "" : ",") + i;
        }
        return out;
    };
    if (!systems.empty()) {
        parts.push_back("systems=" + join(systems));
    }
    if (!platforms.empty()) {
        parts.push_back("platforms=" + join(platforms));
    }
    if (parts.empty()) {
        return "default";
    }
    std::string out;
    for (const auto& p : parts) {
        out += (out.empty() ? "" : " ") + p;
    }
    return out;
}

bool PinBranch::matches(bool jetson_configured, std::string_view system,
                        std::string_view redist_system) const {
    auto in = [](const std::vector<std::string>& list, std::string_view item) {
        return list.empty() || std::find(list.begin(), list.end(), item) != list.end();
    };
    return (!jetson || *jetson == jetson_configured) && in(systems, system) &&
           in(platforms, redist_system);
}

SetPins parse_set_pins(std::string_view text, std::string_view path) {
    json doc = parse_json(text, path);
    Cursor c(path, text);
    SetPins pins;
    pins.path = std::string(path);
    if (!doc.is_object()) {
        c.error("sets.json must be an object with 'sets' and 'aliases'");
    }
    for (const auto& [key, value] : doc.items()) {
        auto s = c.enter(key);
        if (key == "sets") {
            if (!value.is_object()) {
                c.error("expected set name → {product: version}");
            }
            for (const auto& [set, products] : value.items()) {
                auto s2 = c.enter(set);
                if (!set.starts_with("cudaPackages_") || !products.is_object()) {
                    c.error("expected cudaPackages_X_Y: {product: version}");
                }
                for (const auto& [product, version] : products.items()) {
                    auto s3 = c.enter(product);
                    if (product == "cuda" && !version.is_string()) {
                        c.error("the cuda pin must be one version");
                    }
                    pins.sets[set][product] = parse_pin(c, version);
                }
            }
        } else if (key == "common") {
            c.expect_object(value, "product → version, pinned in every set");
            for (const auto& [product, version] : value.items()) {
                auto s2 = c.enter(product);
                if (product == "cuda") {
                    c.error("cuda is pinned per set, not in 'common'");
                }
                pins.common[product] = parse_pin(c, version);
            }
        } else if (key == "layouts") {
            c.expect_object(value, "product → {basePath, note}");
            for (const auto& [product, layout] : value.items()) {
                auto s2 = c.enter(product);
                c.expect_object(layout, "{basePath, note}");
                ProductLayout l;
                for (const auto& [lkey, lv] : layout.items()) {
                    auto s3 = c.enter(lkey);
                    if (lkey == "basePath") {
                        l.base_path = expect_string(c, lv);
                        if (l.base_path.empty() || l.base_path.front() == '/' ||
                            l.base_path.back() == '/' ||
                            l.base_path.find("..") != std::string::npos) {
                            c.error(fmt::format("unsafe basePath '{}' (a relative path without "
                                                "'..' or a trailing '/')",
                                                l.base_path));
                        }
                    } else if (lkey == "note") {
                        l.note = expect_string(c, lv);
                    } else {
                        c.unknown_key(lkey, {"basePath", "note"});
                    }
                }
                if (l.base_path.empty()) {
                    c.error("missing 'basePath'");
                }
                pins.layouts[product] = std::move(l);
            }
        } else if (key == "aliases") {
            if (!value.is_object()) {
                c.error("expected alias → set name");
            }
            for (const auto& [alias, target] : value.items()) {
                auto s2 = c.enter(alias);
                pins.aliases[alias] = expect_string(c, target);
            }
        } else if (key != "description" && key != "$comment") {
            c.unknown_key(key, {"sets", "common", "layouts", "aliases", "description"});
        }
    }
    return pins;
}

std::string ManifestStore::base_path(std::string_view product) const {
    if (auto it = pins.layouts.find(std::string(product)); it != pins.layouts.end()) {
        return it->second.base_path;
    }
    return product_dir(product);
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
