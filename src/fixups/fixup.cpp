// SPDX-License-Identifier: Apache-2.0
#include "checks.hpp"

#include <cudapkgs/fixups/fixup.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>
#include <cudapkgs/util/hash.hpp>
#include <cudapkgs/util/json_cursor.hpp>

#include <algorithm>
#include <map>

namespace cudapkgs::fixups {

using nlohmann::json;
using util::JsonCursor;
using namespace detail;

namespace {

version::VersionRange parse_range(JsonCursor& c, const json& value) {
    std::string text = c.expect_string(value);
    try {
        return version::VersionRange::parse(text);
    } catch (const Error& e) {
        c.error(e.what());
    }
}

Condition parse_condition(JsonCursor& c, const json& when) {
    c.expect_object(when, "an object with version, cuda, platforms, systems or jetson");
    check_keys(c, when, {"version", "cuda", "platforms", "systems", "jetson"});
    Condition cond;
    for (const auto& [key, value] : when.items()) {
        auto s = c.enter(key);
        if (key == "version") {
            cond.version = parse_range(c, value);
        } else if (key == "cuda") {
            cond.cuda = parse_range(c, value);
        } else if (key == "platforms") {
            cond.platforms = c.expect_strings(value);
        } else if (key == "systems") {
            cond.systems = c.expect_strings(value);
        } else if (key == "jetson") {
            (c.expect_bool(value) ? cond.jetson_only : cond.non_jetson_only) = true;
        }
    }
    return cond;
}

void check_effect(JsonCursor& c, const std::string& key, const json& value) {
    if (key == "dependencies" || key == "optionalDependencies" || key == "systemLibraries" ||
        key == "ignoreMissing") {
        c.expect_strings(value);
    } else if (key == "outputs") {
        c.expect_object(value, "an object with add, remove or only");
        check_keys(c, value, {"add", "remove", "only"});
        for (const auto& [k, v] : value.items()) {
            auto s = c.enter(k);
            check_outputs(c, c.expect_strings(v));
        }
    } else if (key == "license") {
        c.expect_object(value, "an object {shortName, free}");
        check_keys(c, value, {"shortName", "free"});
        require_string(c, value, "shortName");
        auto s = c.enter("free");
        c.expect_bool(value.value("free", json(false)));
    } else if (key == "mainProgram" || key == "description") {
        c.expect_string(value);
    } else if (key == "broken") {
        if (!value.is_string()) {
            c.expect_strings(value);
        }
    } else if (key == "minCuda" || key == "maxCuda") {
        if (!version::Version::find(c.expect_string(value))) {
            c.error("expected a version such as \"12.0\"");
        }
    }
}

void append(std::vector<std::string>& to, const json& list) {
    for (const auto& item : list) {
        if (!contains(to, item.get<std::string>())) {
            to.push_back(item.get<std::string>());
        }
    }
}

} // namespace

const std::vector<std::string>& rule_keys() {
    static const std::vector<std::string> kKeys = {"when",
                                                   "description",
                                                   "dependencies",
                                                   "optionalDependencies",
                                                   "systemLibraries",
                                                   "ignoreMissing",
                                                   "remove",
                                                   "move",
                                                   "symlinks",
                                                   "outputs",
                                                   "outputPatterns",
                                                   "elf",
                                                   "substitute",
                                                   "license",
                                                   "mainProgram",
                                                   "broken",
                                                   "minCuda",
                                                   "maxCuda",
                                                   "postInstall"};
    return kKeys;
}

bool Rule::matches(const Target& t) const {
    return when.version.contains(t.package_version) && when.cuda.contains(t.cuda) &&
           (when.platforms.empty() || contains(when.platforms, t.platform)) &&
           (when.systems.empty() || contains(when.systems, t.system)) &&
           (!when.jetson_only || t.jetson) && (!when.non_jetson_only || !t.jetson);
}

void RuleList::collect(const Target& target, Effects& e) const {
    for (const auto& rule : rules) {
        if (!rule.matches(target)) {
            continue;
        }
        const json& r = rule.effects;
        append(e.dependencies, r.value("dependencies", json::array()));
        append(e.optional_dependencies, r.value("optionalDependencies", json::array()));
        append(e.system_libraries, r.value("systemLibraries", json::array()));
        append(e.ignore_missing, r.value("ignoreMissing", json::array()));
        if (auto o = r.find("outputs"); o != r.end()) {
            append(e.add_outputs, o->value("add", json::array()));
            append(e.remove_outputs, o->value("remove", json::array()));
            if (o->contains("only")) {
                e.only_outputs = o->at("only").get<std::vector<std::string>>();
            }
        }
        if (auto l = r.find("license"); l != r.end()) {
            e.license =
                std::make_pair(l->at("shortName").get<std::string>(), l->value("free", false));
        }
        if (auto m = r.find("mainProgram"); m != r.end()) {
            e.main_program = m->get<std::string>();
        }
        if (auto b = r.find("broken"); b != r.end()) {
            append(e.broken, b->is_string() ? json::array({*b}) : *b);
        }
        if (auto v = r.find("minCuda"); v != r.end()) {
            e.min_cuda = v->get<std::string>();
        }
        if (auto v = r.find("maxCuda"); v != r.end()) {
            e.max_cuda = v->get<std::string>();
        }
        e.build.insert(e.build.end(), rule.build.begin(), rule.build.end());
    }
}

RuleList parse_rules(const json& rules, std::string_view file, std::string_view text,
                     const std::vector<std::string>& path_prefix) {
    JsonCursor c(file, text, path_prefix);
    if (!rules.is_array()) {
        c.error(fmt::format("expected a list of rules, got {}", rules.type_name()));
    }
    RuleList list;
    list.origin = std::string(file);
    for (std::size_t i = 0; i < rules.size(); ++i) {
        auto s = c.enter(std::to_string(i));
        const json& r = rules[i];
        c.expect_object(r, "a rule object");
        check_keys(c, r, rule_keys());
        Rule rule;
        std::map<std::string, BuildStep> steps;
        for (const auto& [key, value] : r.items()) {
            auto s2 = c.enter(key);
            if (key == "when") {
                rule.when = parse_condition(c, value);
            } else if (contains(build_step_keys(), key)) {
                steps.emplace(key, parse_build_step(c, key, value));
            } else {
                check_effect(c, key, value);
            }
        }
        // Keys are checked in document (name) order, but run in build_step_keys() order.
        for (const auto& key : build_step_keys()) {
            if (auto it = steps.find(key); it != steps.end()) {
                rule.build.push_back(std::move(it->second));
            }
        }
        rule.effects = r;
        rule.effects.erase("when");
        rule.effects.erase("description");
        for (const auto& key : build_step_keys()) {
            rule.effects.erase(key); // parsed into rule.build
        }
        list.rules.push_back(std::move(rule));
    }
    return list;
}

FixupSet FixupSet::load(const std::vector<std::filesystem::path>& dirs) {
    FixupSet set;
    for (const auto& dir : dirs) {
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec)) {
            throw Error(ErrorKind::InvalidInput,
                        fmt::format("fixups directory '{}' does not exist", dir.string()));
        }
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::directory_iterator(dir)) {
            if (entry.is_regular_file() && entry.path().extension() == ".json" &&
                entry.path().filename() != "schema.json") {
                files.push_back(entry.path());
            }
        }
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            const std::string text = util::read_file(f);
            const std::string file = f.string();
            json doc = util::parse_json_text(text, file);
            JsonCursor c(file, text);
            if (f.filename() == "outputs.json") {
                set.load_outputs_table(c, doc);
                continue;
            }
            c.expect_object(doc, "an object with 'rules'");
            check_keys(c, doc, {"$schema", "description", "rules"});
            for (const char* key : {"$schema", "description"}) {
                if (doc.contains(key)) {
                    auto s = c.enter(key);
                    c.expect_string(doc[key]);
                }
            }
            const std::string pname = f.stem().string();
            set.m_files[pname] =
                parse_rules(doc.value("rules", json::array()), file, text, {"rules"});
            set.m_hashes[pname] = util::sha256_hex(text);
        }
    }
    return set;
}

void FixupSet::load_outputs_table(JsonCursor& c, const json& doc) {
    c.expect_object(doc, "an object with 'outputs'");
    check_keys(c, doc, {"$schema", "description", "rule", "outputs", "aliases"});
    for (const char* key : {"$schema", "description", "rule"}) {
        if (doc.contains(key)) {
            auto s = c.enter(key);
            c.expect_string(doc[key]);
        }
    }
    if (auto it = doc.find("outputs"); it != doc.end()) {
        auto s = c.enter("outputs");
        c.expect_object(*it, "pname → [outputs]");
        for (const auto& [pname, list] : it->items()) {
            auto s2 = c.enter(pname);
            std::vector<std::string> outputs = c.expect_strings(list);
            if (outputs.empty() || outputs.front() != "out") {
                c.error("a declared output list starts with \"out\"");
            }
            for (const auto& o : outputs) {
                if (!contains(detail::output_names(), o)) {
                    c.unknown_key(o, detail::output_names());
                }
            }
            m_outputs[pname] = std::move(outputs);
        }
    }
    if (auto it = doc.find("aliases"); it != doc.end()) {
        auto s = c.enter("aliases");
        c.expect_object(*it, "attribute → pname");
        for (const auto& [alias, target] : it->items()) {
            auto s2 = c.enter(alias);
            m_aliases[alias] = c.expect_string(target);
        }
    }
}

const std::vector<std::string>* FixupSet::declared_outputs(std::string_view pname) const {
    auto it = m_outputs.find(pname);
    return it == m_outputs.end() ? nullptr : &it->second;
}

const RuleList* FixupSet::find(std::string_view pname) const {
    auto it = m_files.find(pname);
    return it == m_files.end() ? nullptr : &it->second;
}

} // namespace cudapkgs::fixups
