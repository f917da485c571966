// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/pkgset/overlay.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>
#include <cudapkgs/util/hash.hpp>
#include <cudapkgs/util/json_cursor.hpp>

#include <algorithm>

namespace cudapkgs::pkgset {

using nlohmann::json;
using util::JsonCursor;

bool Overlay::applies_to(std::string_view set_name) const {
    return sets.empty() || std::find(sets.begin(), sets.end(), set_name) != sets.end();
}

namespace {

Source parse_src(JsonCursor& c, const json& value) {
    c.expect_object(value, "an object {url, sha256, size}");
    Source src;
    for (const auto& [key, v] : value.items()) {
        auto s = c.enter(key);
        if (key == "url") {
            src.url = c.expect_string(v);
            if (src.url.find("://") == std::string::npos) {
                c.error("expected an absolute URL (https://…, file://…)");
            }
        } else if (key == "sha256") {
            src.sha256 = c.expect_string(v);
            if (src.sha256.size() != 64 ||
                src.sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
                c.error("expected 64 lower-case hex digits");
            }
        } else if (key == "size") {
            if (!v.is_number_unsigned()) {
                c.error("expected a non-negative integer");
            }
            src.size = v.get<std::uint64_t>();
        } else {
            c.unknown_key(key, {"url", "sha256", "size"});
        }
    }
    if (src.url.empty() || src.sha256.empty()) {
        c.error("a src needs 'url' and 'sha256'");
    }
    src.platform = "url";
    return src;
}

OverlayPackage parse_entry(JsonCursor& c, std::string_view file, std::string_view text,
                           const std::string& name, const json& value) {
    OverlayPackage p;
    p.name = name;
    if (value.is_null()) {
        p.remove = true;
        return p;
    }
    c.expect_object(value, "an object or null");
    static const std::vector<std::string> kKeys = {"pname", "version", "src", "description",
                                                   "rules"};
    for (const auto& [key, v] : value.items()) {
        auto s = c.enter(key);
        if (key == "pname") {
            p.pname = c.expect_string(v);
        } else if (key == "version") {
            p.version = c.expect_string(v);
            if (!version::Version::find(*p.version)) {
                c.error(fmt::format("'{}' is not a version", *p.version));
            }
        } else if (key == "src") {
            p.src = parse_src(c, v);
        } else if (key == "description") {
            p.description = c.expect_string(v);
        } else if (key == "rules") {
            p.rules = fixups::parse_rules(v, file, text, c.path());
        } else {
            c.unknown_key(key, kKeys);
        }
    }
    return p;
}

} // namespace

Overlay parse_overlay(std::string_view text, std::string_view path) {
    json doc = util::parse_json_text(text, path);
    JsonCursor c(path, text);
    c.expect_object(doc, "an overlay object with 'packages'");
    Overlay overlay;
    overlay.path = std::string(path);
    overlay.hash = util::sha256_hex(text);
    for (const auto& [key, value] : doc.items()) {
        auto s = c.enter(key);
        if (key == "sets") {
            overlay.sets = c.expect_strings(value);
        } else if (key == "packages") {
            c.expect_object(value, "an object: attribute name → entry or null");
            for (const auto& [name, entry] : value.items()) {
                auto s2 = c.enter(name);
                overlay.packages.push_back(parse_entry(c, path, text, name, entry));
            }
        } else if (key != "description" && key != "$schema") {
            c.unknown_key(key, {"sets", "packages", "description"});
        }
    }
    return overlay;
}

Overlay load_overlay(const std::string& path) {
    return parse_overlay(util::read_file(path), path);
}

} // namespace cudapkgs::pkgset
