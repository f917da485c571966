// SPDX-License-Identifier: Apache-2.0
// diff_locks(): what changed between a lock file and the current evaluation, in words.
#include <cudapkgs/lock/lock_file.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

namespace cudapkgs::lock {

using nlohmann::json;

namespace {

/// The object at `key`, or an empty object (old or hand-edited locks may lack a section).
json section(const json& doc, const char* key) {
    auto it = doc.find(key);
    return it != doc.end() && it->is_object() ? *it : json::object();
}

std::string show(const json& value) {
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (value.is_array()) {
        std::vector<std::string> parts;
        for (const auto& v : value) {
            parts.push_back(show(v));
        }
        return parts.empty() ? "(none)" : fmt::format("{}", fmt::join(parts, " "));
    }
    return value.dump();
}

/// Keys of both objects, sorted.
std::set<std::string> all_keys(const json& a, const json& b) {
    std::set<std::string> keys;
    for (const auto& [k, v] : a.items()) {
        keys.insert(k);
    }
    for (const auto& [k, v] : b.items()) {
        keys.insert(k);
    }
    return keys;
}

/// Differences of `{name: sha256}` maps (manifests, fixups).
void diff_hashes(const json& old_map, const json& new_map, const std::string& what,
                 std::vector<std::string>& out) {
    for (const auto& key : all_keys(old_map, new_map)) {
        bool in_old = old_map.contains(key);
        bool in_new = new_map.contains(key);
        if (in_old && !in_new) {
            out.push_back(fmt::format("{} {} is no longer used (locked sha256 {})", what, key,
                                      show(old_map[key])));
        } else if (!in_old && in_new) {
            out.push_back(fmt::format("{} {} is new (sha256 {})", what, key, show(new_map[key])));
        } else if (old_map[key] != new_map[key]) {
            out.push_back(fmt::format("{} {} changed: sha256 {} → {}", what, key,
                                      show(old_map[key]), show(new_map[key])));
        }
    }
}

void diff_archives(const json& old_map, const json& new_map, std::vector<std::string>& out) {
    for (const auto& key : all_keys(old_map, new_map)) {
        bool in_old = old_map.contains(key);
        bool in_new = new_map.contains(key);
        if (in_old && !in_new) {
            out.push_back(fmt::format("archive {} is no longer needed", key));
            continue;
        }
        if (!in_old && in_new) {
            out.push_back(fmt::format("new archive {} (sha256 {}, {} bytes)", key,
                                      show(new_map[key].value("sha256", json())),
                                      show(new_map[key].value("size", json()))));
            continue;
        }
        const json& o = old_map[key];
        const json& n = new_map[key];
        if (o.value("sha256", json()) != n.value("sha256", json())) {
            out.push_back(fmt::format("upstream archive changed: {} old sha256 {} new {}", key,
                                      show(o.value("sha256", json())),
                                      show(n.value("sha256", json()))));
        } else if (o.value("size", json()) != n.value("size", json())) {
            out.push_back(fmt::format("upstream archive changed: {} old size {} new {}", key,
                                      show(o.value("size", json())),
                                      show(n.value("size", json()))));
        }
    }
}

void diff_sets(const json& old_map, const json& new_map, std::vector<std::string>& out) {
    for (const auto& key : all_keys(old_map, new_map)) {
        if (!new_map.contains(key)) {
            out.push_back(fmt::format("set {} is no longer used", key));
            continue;
        }
        if (!old_map.contains(key)) {
            out.push_back(fmt::format("set {} is new", key));
            continue;
        }
        const json& o = old_map[key];
        const json& n = new_map[key];
        auto field = [&](const char* name, const char* label) {
            if (o.value(name, json()) != n.value(name, json())) {
                out.push_back(fmt::format("{} of {} changed: {} → {}", label, key,
                                          show(o.value(name, json())),
                                          show(n.value(name, json()))));
            }
        };
        field("cudaVersion", "CUDA version");
        field("redistSystem", "redist system");
        field("capabilities", "capabilities");
        field("forwardCompat", "forward compat");
        json om = section(o, "manifests");
        json nm = section(n, "manifests");
        for (const auto& product : all_keys(om, nm)) {
            if (om.value(product, json()) != nm.value(product, json())) {
                out.push_back(fmt::format("{} now uses {} {} (locked: {})", key, product,
                                          show(nm.value(product, json("none"))),
                                          show(om.value(product, json("none")))));
            }
        }
    }
}

void diff_packages(const json& old_map, const json& new_map, std::vector<std::string>& out) {
    for (const auto& key : all_keys(old_map, new_map)) {
        if (!old_map.contains(key) || !new_map.contains(key)) {
            out.push_back(fmt::format("{} is {} the lock", key,
                                      old_map.contains(key) ? "no longer in" : "not in"));
            continue;
        }
        json op = section(old_map[key], "outPaths");
        json np = section(new_map[key], "outPaths");
        for (const auto& output : all_keys(op, np)) {
            if (op.value(output, json()) != np.value(output, json())) {
                out.push_back(fmt::format("store path of {} ({}) changed: {} → {}", key, output,
                                          show(op.value(output, json("none"))),
                                          show(np.value(output, json("none")))));
            }
        }
    }
}

void diff_simple(const json& locked, const json& current, std::vector<std::string>& out) {
    if (locked.value("system", json()) != current.value("system", json())) {
        out.push_back(fmt::format("system changed: {} → {}", show(locked.value("system", json())),
                                  show(current.value("system", json()))));
    }
    json oa = section(locked, "aliases");
    json na = section(current, "aliases");
    for (const auto& alias : all_keys(oa, na)) {
        if (oa.value(alias, json()) != na.value(alias, json())) {
            out.push_back(fmt::format("alias {} now resolves to {} (locked: {})", alias,
                                      show(na.value(alias, json("nothing"))),
                                      show(oa.value(alias, json("nothing")))));
        }
    }
    json ol = section(locked, "licenses");
    json nl = section(current, "licenses");
    for (const auto& key : all_keys(ol, nl)) {
        if (ol.value(key, json()) != nl.value(key, json())) {
            out.push_back(fmt::format("accepted licences changed: {} {} → {}", key,
                                      show(ol.value(key, json())), show(nl.value(key, json()))));
        }
    }
    json oo = locked.value("overlays", json::array());
    json no = current.value("overlays", json::array());
    if (oo != no) {
        auto describe = [](const json& list) {
            std::vector<std::string> parts;
            for (const auto& o : list) {
                parts.push_back(fmt::format("{} (sha256 {})", show(o.value("path", json())),
                                            show(o.value("sha256", json()))));
            }
            return parts.empty() ? std::string("(none)")
                                 : fmt::format("{}", fmt::join(parts, ", "));
        };
        out.push_back(fmt::format("overlays changed: {} → {}", describe(oo), describe(no)));
    }
}

} // namespace

std::vector<std::string> diff_locks(const json& locked, const json& current) {
    std::vector<std::string> out;
    diff_simple(locked, current, out);
    diff_sets(section(locked, "sets"), section(current, "sets"), out);
    diff_hashes(section(locked, "manifests"), section(current, "manifests"), "manifest", out);
    diff_archives(section(locked, "archives"), section(current, "archives"), out);
    diff_hashes(section(locked, "fixups"), section(current, "fixups"), "fixup", out);
    diff_packages(section(locked, "packages"), section(current, "packages"), out);
    return out;
}

} // namespace cudapkgs::lock
