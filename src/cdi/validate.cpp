// SPDX-License-Identifier: Apache-2.0
// Checks a spec against the CDI JSON schema (schema/schema.json + defs.json of
// cncf-tags/container-device-interface: required keys, types, known keys) and SPEC.md's name
// rules, and reads specs back for `cdi list`.
#include <cudapkgs/cdi/spec.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <set>

namespace cudapkgs::cdi {

namespace {

using Problems = std::vector<std::string>;

// OCI hook names CDI allows (SPEC.md, "hooks").
const std::set<std::string> kHookNames = {"prestart",       "createRuntime", "createContainer",
                                          "startContainer", "poststart",     "poststop"};

bool matches(const std::string& text, const char* pattern) {
    return std::regex_match(text, std::regex(pattern));
}

/// Vendor: a DNS-like name; class: letters, digits, '-', '_', '.'; both start with a letter
/// and end with a letter or digit.
bool valid_kind(const std::string& kind) {
    std::size_t slash = kind.find('/');
    if (slash == std::string::npos || kind.find('/', slash + 1) != std::string::npos) {
        return false;
    }
    std::string vendor = kind.substr(0, slash);
    std::string cls = kind.substr(slash + 1);
    const char* name = "[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9])?";
    return vendor.size() <= 253 && cls.size() <= 63 && matches(vendor, name) && matches(cls, name);
}

bool valid_device_name(const std::string& name) {
    return matches(name, "[A-Za-z0-9]([A-Za-z0-9_.:-]*[A-Za-z0-9])?");
}

bool is_string_array(const Json& value) {
    return value.is_array() &&
           std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_string(); });
}

/// Checks that `object` is an object with the `required` keys and no key outside `allowed`.
bool check_keys(const Json& object, const std::string& where, const std::set<std::string>& allowed,
                const std::set<std::string>& required, Problems& problems) {
    if (!object.is_object()) {
        problems.push_back(fmt::format("{}: must be an object", where));
        return false;
    }
    for (const auto& key : required) {
        if (!object.contains(key)) {
            problems.push_back(fmt::format("{}: missing required key '{}'", where, key));
        }
    }
    for (const auto& [key, value] : object.items()) {
        if (allowed.count(key) == 0) {
            problems.push_back(fmt::format("{}: unknown key '{}'", where, key));
        }
    }
    return true;
}

void check_string(const Json& object, const std::string& key, const std::string& where,
                  bool absolute_path, Problems& problems) {
    if (!object.contains(key)) {
        return;
    }
    const Json& value = object.at(key);
    if (!value.is_string()) {
        problems.push_back(fmt::format("{}/{}: must be a string", where, key));
    } else if (absolute_path && value.get<std::string>().rfind('/', 0) != 0) {
        problems.push_back(fmt::format("{}/{}: must be an absolute path", where, key));
    }
}

void check_string_array(const Json& object, const std::string& key, const std::string& where,
                        Problems& problems) {
    if (object.contains(key) && !is_string_array(object.at(key))) {
        problems.push_back(fmt::format("{}/{}: must be an array of strings", where, key));
    }
}

void check_uint32(const Json& object, const std::string& key, const std::string& where,
                  Problems& problems) {
    if (object.contains(key) && !(object.at(key).is_number_unsigned() &&
                                  object.at(key).get<std::uint64_t>() <= 0xffffffffULL)) {
        problems.push_back(fmt::format("{}/{}: must be an integer in [0, 2^32)", where, key));
    }
}

void check_node(const Json& node, const std::string& where, Problems& problems) {
    if (!check_keys(
            node, where,
            {"path", "hostPath", "permissions", "type", "major", "minor", "uid", "gid", "fileMode"},
            {"path"}, problems)) {
        return;
    }
    check_string(node, "path", where, true, problems);
    check_string(node, "hostPath", where, true, problems);
    check_string(node, "permissions", where, false, problems);
    check_string(node, "type", where, false, problems);
    for (const char* key : {"major", "minor"}) {
        if (node.contains(key) && !node.at(key).is_number_integer()) {
            problems.push_back(fmt::format("{}/{}: must be an integer", where, key));
        }
    }
    check_uint32(node, "uid", where, problems);
    check_uint32(node, "gid", where, problems);
}

void check_mount(const Json& mount, const std::string& where, Problems& problems) {
    if (!check_keys(mount, where, {"hostPath", "containerPath", "options", "type"},
                    {"hostPath", "containerPath"}, problems)) {
        return;
    }
    check_string(mount, "hostPath", where, false, problems);
    check_string(mount, "containerPath", where, true, problems);
    check_string_array(mount, "options", where, problems);
    check_string(mount, "type", where, false, problems);
}

void check_hook(const Json& hook, const std::string& where, Problems& problems) {
    if (!check_keys(hook, where, {"hookName", "path", "args", "env", "timeout"},
                    {"hookName", "path"}, problems)) {
        return;
    }
    check_string(hook, "hookName", where, false, problems);
    if (hook.contains("hookName") && hook.at("hookName").is_string() &&
        kHookNames.count(hook.at("hookName").get<std::string>()) == 0) {
        problems.push_back(fmt::format("{}/hookName: not an OCI hook name", where));
    }
    check_string(hook, "path", where, true, problems);
    check_string_array(hook, "args", where, problems);
    check_string_array(hook, "env", where, problems);
    check_uint32(hook, "timeout", where, problems);
}

template <typename Check>
void check_array(const Json& edits, const std::string& key, const std::string& where, Check check,
                 Problems& problems) {
    if (!edits.contains(key)) {
        return;
    }
    const Json& items = edits.at(key);
    if (!items.is_array()) {
        problems.push_back(fmt::format("{}/{}: must be an array", where, key));
        return;
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
        check(items[i], fmt::format("{}/{}/{}", where, key, i), problems);
    }
}

void check_edits(const Json& edits, const std::string& where, Problems& problems) {
    if (!check_keys(edits, where,
                    {"env", "deviceNodes", "mounts", "hooks", "intelRdt", "additionalGids"}, {},
                    problems)) {
        return;
    }
    check_string_array(edits, "env", where, problems);
    check_array(edits, "deviceNodes", where, check_node, problems);
    check_array(edits, "mounts", where, check_mount, problems);
    check_array(edits, "hooks", where, check_hook, problems);
}

void check_devices(const Json& devices, Problems& problems) {
    if (!devices.is_array() || devices.empty()) {
        problems.push_back("/devices: must be a non-empty array");
        return;
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < devices.size(); ++i) {
        std::string where = fmt::format("/devices/{}", i);
        const Json& device = devices[i];
        if (!check_keys(device, where, {"name", "annotations", "containerEdits"},
                        {"name", "containerEdits"}, problems)) {
            continue;
        }
        if (device.contains("name")) {
            const Json& name = device.at("name");
            if (!name.is_string() || !valid_device_name(name.get<std::string>())) {
                problems.push_back(
                    fmt::format("{}/name: {} is not a valid device name", where, name.dump()));
            } else if (!names.insert(name.get<std::string>()).second) {
                problems.push_back(
                    fmt::format("{}/name: duplicate device name {}", where, name.dump()));
            }
        }
        if (device.contains("containerEdits")) {
            check_edits(device.at("containerEdits"), where + "/containerEdits", problems);
        }
    }
}

} // namespace

std::vector<std::string> validate_spec(const Json& spec) {
    Problems problems;
    if (!check_keys(spec, "/", {"cdiVersion", "kind", "annotations", "devices", "containerEdits"},
                    {"cdiVersion", "kind", "devices"}, problems)) {
        return problems;
    }
    if (spec.contains("cdiVersion") &&
        !(spec.at("cdiVersion").is_string() &&
          matches(spec.at("cdiVersion").get<std::string>(), "[0-9]+\\.[0-9]+\\.[0-9]+"))) {
        problems.push_back("/cdiVersion: must be a version string like \"0.5.0\"");
    }
    if (spec.contains("kind") &&
        !(spec.at("kind").is_string() && valid_kind(spec.at("kind").get<std::string>()))) {
        problems.push_back(
            fmt::format("/kind: {} is not of the form vendor.com/class", spec.at("kind").dump()));
    }
    if (spec.contains("devices")) {
        check_devices(spec.at("devices"), problems);
    }
    if (spec.contains("containerEdits")) {
        check_edits(spec.at("containerEdits"), "/containerEdits", problems);
    }
    return problems;
}

std::vector<std::string> device_names(const Json& spec) {
    std::vector<std::string> names;
    const std::string kind = spec.at("kind").get<std::string>();
    for (const auto& device : spec.at("devices")) {
        names.push_back(kind + "=" + device.at("name").get<std::string>());
    }
    return names;
}

Json load_spec(const std::filesystem::path& path) {
    std::string text = util::read_file(path);
    Json spec;
    try {
        spec = Json::parse(text);
    } catch (const Json::parse_error& e) {
        Error error(ErrorKind::InvalidInput, fmt::format("not a JSON CDI spec: {}", e.what()),
                    path.string());
        std::size_t first = text.find_first_not_of(" \t\r\n");
        if (first != std::string::npos && text[first] != '{') {
            error.add_note("cudapkgs cdi list reads JSON specs only; write one with "
                           "'cudapkgs cdi generate --format json'");
        }
        throw error;
    }
    auto problems = validate_spec(spec);
    if (!problems.empty()) {
        Error error(ErrorKind::InvalidInput, "not a valid CDI spec", path.string());
        for (auto& problem : problems) {
            error.add_note(std::move(problem));
        }
        throw error;
    }
    return spec;
}

} // namespace cudapkgs::cdi
