// SPDX-License-Identifier: Apache-2.0
#include "checks.hpp"

#include <cudapkgs/fixups/build_step.hpp>
#include <cudapkgs/util/json_cursor.hpp>

#include <fmt/format.h>

namespace cudapkgs::fixups {

using nlohmann::json;
using util::JsonCursor;
using namespace detail;

namespace {

/// The string at `obj[key]` (already checked to be one), or "" when absent.
std::string optional_string(JsonCursor& c, const json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end()) {
        return {};
    }
    auto s = c.enter(key);
    return c.expect_string(*it);
}

/// The list of strings at `obj[key]`, or empty when absent.
std::vector<std::string> optional_strings(JsonCursor& c, const json& obj, const char* key) {
    auto s = c.enter(key);
    return c.expect_strings(obj.value(key, json::array()));
}

RemoveStep parse_remove(JsonCursor& c, const json& value) {
    RemoveStep step;
    step.patterns = c.expect_strings(value);
    for (const auto& p : step.patterns) {
        check_relative(c, p);
    }
    return step;
}

MoveStep parse_move(JsonCursor& c, const json& value) {
    check_object_list(c, value, {"from", "to"}, {"from", "to"}, {"from", "to"});
    MoveStep step;
    for (const auto& m : value) {
        step.moves.push_back({m.at("from").get<std::string>(), m.at("to").get<std::string>()});
    }
    return step;
}

SymlinksStep parse_symlinks(JsonCursor& c, const json& value) {
    check_object_list(c, value, {"path", "target"}, {"path", "target"}, {"path"});
    SymlinksStep step;
    for (const auto& l : value) {
        step.links.push_back({l.at("path").get<std::string>(), l.at("target").get<std::string>()});
    }
    return step;
}

OutputPatternsStep parse_output_patterns(JsonCursor& c, const json& value) {
    c.expect_object(value, "an object: output → path patterns");
    OutputPatternsStep step;
    for (const auto& [output, patterns] : value.items()) {
        check_outputs(c, {output});
        auto s = c.enter(output);
        auto list = c.expect_strings(patterns);
        for (const auto& p : list) {
            check_relative(c, p);
        }
        step.patterns.emplace_back(output, std::move(list));
    }
    return step;
}

SubstituteStep parse_substitute(JsonCursor& c, const json& value) {
    check_object_list(c, value, {"file", "replace", "append"}, {"file"}, {"file"});
    SubstituteStep step;
    for (std::size_t i = 0; i < value.size(); ++i) {
        auto s = c.enter(std::to_string(i));
        const json& entry = value[i];
        SubstituteStep::File file;
        file.file = entry.at("file").get<std::string>();
        if (entry.contains("replace")) {
            auto s2 = c.enter("replace");
            const json& replace = entry["replace"];
            check_object_list(c, replace, {"from", "to"}, {"from"}, {});
            for (std::size_t k = 0; k < replace.size(); ++k) {
                auto s3 = c.enter(std::to_string(k));
                file.replace.push_back({replace[k].at("from").get<std::string>(),
                                        optional_string(c, replace[k], "to")});
            }
        }
        if (entry.contains("append")) {
            auto s2 = c.enter("append");
            file.append = c.expect_strings(entry["append"]);
        }
        step.files.push_back(std::move(file));
    }
    return step;
}

std::vector<ElfStep::Needed> parse_needed(JsonCursor& c, const json& value) {
    check_object_list(c, value, {"files", "libs"}, {"files"}, {"files"});
    std::vector<ElfStep::Needed> out;
    for (std::size_t i = 0; i < value.size(); ++i) {
        auto s = c.enter(std::to_string(i));
        out.push_back(
            {value[i].at("files").get<std::string>(), optional_strings(c, value[i], "libs")});
    }
    return out;
}

ElfStep parse_elf(JsonCursor& c, const json& elf) {
    c.expect_object(elf, "an object with addNeeded, replaceNeeded, removeNeeded or runpath");
    check_keys(c, elf, {"addNeeded", "replaceNeeded", "removeNeeded", "runpath"});
    ElfStep step;
    for (const auto& [key, value] : elf.items()) {
        auto s = c.enter(key);
        if (key == "addNeeded") {
            step.add_needed = parse_needed(c, value);
        } else if (key == "removeNeeded") {
            step.remove_needed = parse_needed(c, value);
        } else if (key == "replaceNeeded") {
            check_object_list(c, value, {"files", "from", "to"}, {"files", "from", "to"},
                              {"files"});
            for (const auto& e : value) {
                step.replace_needed.push_back({e.at("files").get<std::string>(),
                                               e.at("from").get<std::string>(),
                                               e.at("to").get<std::string>()});
            }
        } else if (key == "runpath") {
            check_object_list(c, value, {"files", "add"}, {"files"}, {"files"});
            for (std::size_t i = 0; i < value.size(); ++i) {
                auto s2 = c.enter(std::to_string(i));
                step.runpath.push_back({value[i].at("files").get<std::string>(),
                                        optional_strings(c, value[i], "add")});
            }
        }
    }
    return step;
}

} // namespace

const std::vector<std::string>& build_step_keys() {
    static const std::vector<std::string> kKeys = {
        "remove", "move", "symlinks", "outputPatterns", "substitute", "elf", "postInstall"};
    return kKeys;
}

BuildStep parse_build_step(JsonCursor& c, const std::string& key, const json& value) {
    BuildStep step;
    if (key == "remove") {
        step.action = parse_remove(c, value);
    } else if (key == "move") {
        step.action = parse_move(c, value);
    } else if (key == "symlinks") {
        step.action = parse_symlinks(c, value);
    } else if (key == "outputPatterns") {
        step.action = parse_output_patterns(c, value);
    } else if (key == "substitute") {
        step.action = parse_substitute(c, value);
    } else if (key == "elf") {
        step.action = parse_elf(c, value);
    } else if (key == "postInstall") {
        step.action = PostInstallStep{c.expect_string(value)};
    } else {
        c.error(fmt::format("'{}' is not a build step", key));
    }
    step.canonical = json::object({{key, value}});
    return step;
}

json to_json(const std::vector<BuildStep>& steps) {
    json out = json::array();
    for (const auto& step : steps) {
        out.push_back(step.canonical);
    }
    return out;
}

} // namespace cudapkgs::fixups
