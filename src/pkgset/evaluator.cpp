// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/manifest/mirror_layout.hpp>
#include <cudapkgs/pkgset/evaluator.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/spelling.hpp>

#include <fmt/ranges.h>

#include <algorithm>

namespace cudapkgs::pkgset {

using nlohmann::json;

namespace {

const std::vector<std::string>& fixed_set_attributes() {
    static const std::vector<std::string> kNames = {"cudaCapabilities",
                                                    "cudaForwardCompat",
                                                    "cudaMajorMinorPatchVersion",
                                                    "cudaMajorMinorVersion",
                                                    "cudaMajorVersion",
                                                    "cudaNamePrefix",
                                                    "flags",
                                                    "hostCompiler",
                                                    "manifests",
                                                    "pkgs",
                                                    "redistSystem",
                                                    "system"};
    return kNames;
}

[[noreturn]] void unknown(std::string_view what, std::string_view where,
                          const std::vector<std::string>& candidates) {
    Error error(ErrorKind::InvalidInput,
                fmt::format("attribute '{}' not found in {}", what, where));
    if (auto guess = util::find_closest(what, candidates)) {
        error.add_note(fmt::format("did you mean '{}'?", *guess));
    }
    throw error;
}

std::string instance_key(const Instance& i) {
    const auto& c = i.config;
    std::string overlays;
    for (const auto& o : i.overlays) {
        overlays += o->hash + ",";
    }
    return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", overlays, i.system,
                       i.default_set_override, c.allow_unfree,
                       fmt::join(c.allow_unfree_licenses, ","), c.cuda_support,
                       fmt::join(c.cuda_capabilities, ","), c.cuda_forward_compat, c.driver_lib_dir,
                       fmt::join(c.overlays, ","), c.allow_unsupported_compiler);
}

/// "sm_90a" → "9.0a" for every capability of the table.
const std::map<std::string, std::string, std::less<>>& arch_variants() {
    static const auto kMap = [] {
        std::map<std::string, std::string, std::less<>> m;
        for (const auto& row : capabilities::CapabilityTable::builtin().all()) {
            m.emplace("sm_" + capabilities::drop_dots(row.capability), row.capability);
        }
        return m;
    }();
    return kMap;
}

} // namespace

std::vector<std::string> split_attrpath(std::string_view attrpath) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        std::size_t dot = attrpath.find('.', start);
        std::string_view piece = attrpath.substr(start, dot - start);
        if (piece.empty()) {
            fail(ErrorKind::InvalidInput, "invalid attribute path '{}'", attrpath);
        }
        out.emplace_back(piece);
        if (dot == std::string_view::npos) {
            return out;
        }
        start = dot + 1;
    }
}

struct Evaluator::Cursor {
    enum class Kind { Root, ArchVariants, Set, Package, Value } kind = Kind::Root;
    std::size_t instance = 0;
    const PackageSet* set = nullptr;
    const Package* package = nullptr;
    json value;
    std::vector<StorePathAt> store_paths; ///< in `value`
    std::string path; ///< the attribute path walked so far
    const Error* refused = nullptr; ///< set when the walk stopped at a refusal
};

Evaluator::Evaluator(const Catalog& catalog, Instance base, EvalSettings settings)
    : m_catalog(&catalog), m_settings(std::move(settings)) {
    m_settings.mirrors = manifest::mirrors_or_default(std::move(m_settings.mirrors));
    m_instance_keys.emplace(instance_key(base), 0);
    m_instances.push_back(std::move(base));
}

std::size_t Evaluator::instance_with(const std::string& label,
                                     std::function<void(Instance&)> change, std::size_t from) {
    auto transition = std::make_pair(from, label);
    if (auto it = m_transitions.find(transition); it != m_transitions.end()) {
        return it->second;
    }
    const std::size_t index = [&] {
        Instance next = m_instances[from];
        change(next);
        std::string key = instance_key(next);
        if (auto it = m_instance_keys.find(key); it != m_instance_keys.end()) {
            return it->second;
        }
        m_instances.push_back(std::move(next));
        m_instance_keys.emplace(std::move(key), m_instances.size() - 1);
        return m_instances.size() - 1;
    }();
    m_transitions.emplace(std::move(transition), index);
    return index;
}

std::vector<std::string> Evaluator::root_names_of(std::size_t /*instance*/) const {
    std::vector<std::string> names;
    for (const auto& s : m_catalog->sets()) {
        names.push_back(s.name);
    }
    for (const auto& [alias, target] : m_catalog->aliases()) {
        names.push_back(alias);
    }
    names.emplace_back("pkgsCuda");
    names.emplace_back("pkgsForCudaArch");
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

std::vector<std::string> Evaluator::root_names() const {
    return root_names_of(0);
}

std::string Evaluator::resolve_root_name(std::size_t instance, std::string_view name) const {
    const std::string& override_set = m_instances[instance].default_set_override;
    if (!override_set.empty()) {
        const SetDefinition* def = m_catalog->find_set(override_set);
        std::string major_alias = "cudaPackages_" + std::to_string(def->cuda_major_minor.part(0));
        if (name == "cudaPackages" || name == major_alias) {
            return override_set;
        }
    }
    if (auto resolved = m_catalog->resolve_alias(name)) {
        return *resolved;
    }
    if (m_catalog->aliases().count(std::string(name)) > 0) {
        fail(ErrorKind::InvalidInput, "alias '{}' points at '{}', which is not a package set", name,
             m_catalog->aliases().at(std::string(name)));
    }
    unknown(name, "the top level", root_names_of(instance));
}

const PackageSet& Evaluator::set_in(std::size_t instance, std::string_view name) {
    auto& by_name = m_set_by_name[instance];
    if (auto found = by_name.find(name); found != by_name.end()) {
        return *found->second;
    }
    std::string resolved = resolve_root_name(instance, name);
    auto key = std::make_pair(instance, resolved);
    auto it = m_sets.find(key);
    if (it == m_sets.end()) {
        const SetDefinition* def = m_catalog->find_set(resolved);
        const Instance& inst = m_instances[instance];
        const std::string redist = redist_system_for(*def, inst);
        auto& contents = m_contents[contents_key(*def, inst, redist)];
        if (!contents) {
            contents = build_contents(*m_catalog, *def, inst, redist);
        }
        it = m_sets.emplace(key, std::make_unique<PackageSet>(*m_catalog, *def, inst, contents))
                 .first;
    }
    by_name.emplace(std::string(name), it->second.get());
    return *it->second;
}

std::vector<std::string> Evaluator::set_attribute_names(const PackageSet& set) const {
    std::vector<std::string> names = fixed_set_attributes();
    for (const auto& p : set.packages()) {
        names.push_back(p.attr);
    }
    std::sort(names.begin(), names.end());
    return names;
}

json Evaluator::set_attribute(const PackageSet& set, const std::string& attr, Cursor& cursor) {
    const auto& def = set.definition();
    if (attr == "cudaMajorVersion") {
        return def.cuda.prefix(1);
    }
    if (attr == "cudaMajorMinorVersion") {
        return def.cuda.prefix(2);
    }
    if (attr == "cudaMajorMinorPatchVersion") {
        return def.cuda.prefix(3);
    }
    if (attr == "cudaNamePrefix") {
        return set.name_prefix();
    }
    if (attr == "manifests") {
        return set.manifest_versions();
    }
    if (attr == "flags") {
        return set.flags().to_json();
    }
    if (attr == "cudaCapabilities") {
        return set.capabilities();
    }
    if (attr == "cudaForwardCompat") {
        return set.instance().config.cuda_forward_compat;
    }
    if (attr == "redistSystem") {
        return set.redist_system();
    }
    if (attr == "system") {
        return set.instance().system;
    }
    if (attr == "hostCompiler") {
        return m_settings.host_compiler ? m_settings.host_compiler(def.cuda_major_minor)
                                        : json(nullptr);
    }
    unknown(attr, cursor.path, set_attribute_names(set));
}

const Error* Evaluator::refusal(const PackageSet& set, const Package& p) const {
    const bool accepted = license_accepted(p.license, set.instance().config);
    return p.available() && accepted ? set.capability_error() : nullptr;
}

json Evaluator::package_json(const PackageSet& set, const Package& p) {
    return *shared_package_json(set, p);
}

std::shared_ptr<const json> Evaluator::shared_package_json(const PackageSet& set,
                                                           const Package& p) {
    if (const Error* refused = refusal(set, p)) {
        throw *refused;
    }
    const bool accepted = license_accepted(p.license, set.instance().config);
    // `p` lives in contents that every variant sharing them sees: its address is the key.
    auto key = std::make_pair(&p, accepted);
    const bool shareable =
        !p.recipe && !(p.available() && accepted && derivation(set, p).capability_dependent);
    if (auto it = m_package_json.find(key); shareable && it != m_package_json.end()) {
        return it->second;
    }
    json src = nullptr;
    if (p.src) {
        src = {{"url", source_url(*p.src, m_settings.mirrors.front())},
               {"sha256", p.src->sha256},
               {"size", p.src->size}};
    }
    json out = {{"name", set.name_prefix() + "-" + p.pname + "-" + p.version},
                {"pname", p.pname},
                {"version", p.version},
                {"outputs", p.outputs},
                {"src", src},
                {"license", {{"shortName", p.license.short_name}, {"free", p.license.free}}},
                {"dependencies", p.dependencies},
                {"platforms", p.platforms},
                {"available", p.available()},
                {"unavailableReasons", p.unavailable_reasons},
                {"description", p.description},
                {"product", p.product},
                {"manifestVersion", p.manifest_version}};
    if (!p.main_program.empty()) {
        out["mainProgram"] = p.main_program;
    }
    if (p.available() && accepted) {
        out["outPaths"] = outputs_json(out_paths(set, p, set.attrpath(p.attr)));
    }
    auto value = std::make_shared<const json>(std::move(out));
    if (shareable) {
        m_package_json.emplace(key, value);
    }
    return value;
}

const Derivation& Evaluator::derivation(const PackageSet& set, const Package& package) {
    auto& builder = m_derivations[&set];
    if (!builder) {
        builder = std::make_unique<DerivationBuilder>(
            set, &m_shared_derivations[set.contents().get()],
            m_settings.host_compiler_identity ? m_settings.host_compiler_identity()
                                              : nlohmann::json(nullptr));
    }
    return builder->get(package);
}

const std::map<std::string, storepath::StorePath>&
Evaluator::out_paths(const PackageSet& set, const Package& p, std::string_view attrpath) {
    require_buildable(set, p, attrpath);
    return derivation(set, p).outputs;
}

EvalValue::EvalValue(json value, std::vector<StorePathAt> paths)
    : store_paths(std::move(paths)), m_value(std::make_shared<const json>(std::move(value))) {}

EvalValue::EvalValue(std::shared_ptr<const json> value, std::vector<StorePathAt> paths)
    : store_paths(std::move(paths)), m_value(std::move(value)) {}

const json& EvalValue::value() const noexcept {
    static const json kNull;
    return m_value ? *m_value : kNull;
}

json EvalValue::render(const std::function<std::string(const storepath::StorePath&)>& show) const {
    json out = value();
    for (const auto& at : store_paths) {
        nlohmann::json* place = &out;
        for (const auto& key : at.keys) {
            place = place->is_array() ? &place->at(std::stoul(key)) : &place->at(key);
        }
        *place = show(at.path);
    }
    return out;
}

void Evaluator::walk(Cursor& c, const std::vector<std::string>& path) {
    using Kind = Cursor::Kind;
    for (const auto& seg : path) {
        const std::string where = c.path.empty() ? "the top level" : c.path;
        switch (c.kind) {
        case Kind::Root:
            if (seg == "pkgsCuda") {
                c.instance = instance_with(
                    "pkgsCuda", [](Instance& i) { i.config.cuda_support = true; }, c.instance);
            } else if (seg == "pkgsForCudaArch") {
                c.kind = Kind::ArchVariants;
            } else {
                c.set = &set_in(c.instance, seg);
                c.kind = Kind::Set;
            }
            break;
        case Kind::ArchVariants: {
            auto found = arch_variants().find(seg);
            if (found == arch_variants().end()) {
                std::vector<std::string> names;
                for (const auto& [name, cap] : arch_variants()) {
                    names.push_back(name);
                }
                unknown(seg, where, names);
            }
            const std::string capability = found->second;
            c.instance = instance_with(
                seg,
                [&](Instance& i) {
                    i.config.cuda_capabilities = {capability};
                    i.config.cuda_forward_compat = false;
                    i.config.cuda_support = true;
                },
                c.instance);
            c.kind = Kind::Root;
            break;
        }
        case Kind::Set:
            if (const Package* p = c.set->find(seg)) {
                c.package = p;
                c.kind = Kind::Package;
            } else if (seg == "pkgs") {
                const std::string name = c.set->name();
                c.instance = instance_with(
                    "pkgs:" + name, [&](Instance& i) { i.default_set_override = name; },
                    c.instance);
                c.kind = Kind::Root;
            } else if (seg == "flags" && c.set->capability_error() != nullptr) {
                c.refused = c.set->capability_error(); // what flags() would throw
                return;
            } else {
                c.value = set_attribute(*c.set, seg, c);
                c.kind = Kind::Value;
            }
            break;
        case Kind::Package: {
            const std::string attrpath = c.path;
            if (seg == "outPaths") {
                const auto& paths = out_paths(*c.set, *c.package, attrpath);
                c.value = outputs_json(paths);
                for (const auto& [output, store_path] : paths) {
                    c.store_paths.push_back({{output}, store_path});
                }
            } else if (std::find(c.package->outputs.begin(), c.package->outputs.end(), seg) !=
                       c.package->outputs.end()) {
                const auto& store_path = out_paths(*c.set, *c.package, attrpath).at(seg);
                c.value = store_path.to_string();
                c.store_paths.push_back({{}, store_path});
            } else {
                auto shared = shared_package_json(*c.set, *c.package);
                const json& obj = *shared;
                if (!obj.contains(seg)) {
                    std::vector<std::string> keys;
                    for (const auto& [k, v] : obj.items()) {
                        keys.push_back(k);
                    }
                    keys.emplace_back("outPaths");
                    unknown(seg, where, keys);
                }
                c.value = obj.at(seg);
            }
            c.kind = Kind::Value;
            break;
        }
        case Kind::Value:
            // Store paths below `seg` stay store paths, one key nearer.
            c.store_paths.erase(std::remove_if(c.store_paths.begin(), c.store_paths.end(),
                                               [&](const StorePathAt& at) {
                                                   return at.keys.empty() || at.keys.front() != seg;
                                               }),
                                c.store_paths.end());
            for (auto& at : c.store_paths) {
                at.keys.erase(at.keys.begin());
            }
            if (c.value.is_object() && c.value.contains(seg)) {
                c.value = json(c.value.at(seg));
            } else if (c.value.is_array() && !seg.empty() &&
                       std::all_of(seg.begin(), seg.end(), ::isdigit) &&
                       std::stoul(seg) < c.value.size()) {
                c.value = json(c.value.at(std::stoul(seg)));
            } else {
                std::vector<std::string> keys;
                if (c.value.is_object()) {
                    for (const auto& [k, v] : c.value.items()) {
                        keys.push_back(k);
                    }
                }
                unknown(seg, where, keys);
            }
            break;
        }
        c.path += (c.path.empty() ? "" : ".") + seg;
    }
}

EvalValue Evaluator::evaluate(std::string_view attrpath) {
    EvalResult result = try_evaluate(attrpath);
    if (result.refused != nullptr) {
        throw *result.refused;
    }
    return std::move(result.value);
}

EvalResult Evaluator::try_evaluate(std::string_view attrpath) {
    Cursor c;
    walk(c, split_attrpath(attrpath));
    if (c.refused != nullptr) {
        return {{}, c.refused};
    }
    if (c.kind == Cursor::Kind::Package) {
        if (const Error* refused = refusal(*c.set, *c.package)) {
            return {{}, refused};
        }
    }
    return {value_at(c), nullptr};
}

EvalValue Evaluator::value_at(Cursor& c) {
    switch (c.kind) {
    case Cursor::Kind::Root:
        return {root_names_of(c.instance), {}};
    case Cursor::Kind::ArchVariants: {
        json names = json::array();
        for (const auto& row : capabilities::CapabilityTable::builtin().all()) {
            names.push_back("sm_" + capabilities::drop_dots(row.capability));
        }
        return {std::move(names), {}};
    }
    case Cursor::Kind::Set:
        return {set_attribute_names(*c.set), {}};
    case Cursor::Kind::Package: {
        EvalValue out{shared_package_json(*c.set, *c.package), {}};
        if (out.value().contains("outPaths")) {
            for (const auto& [output, path] : derivation(*c.set, *c.package).outputs) {
                out.store_paths.push_back({{"outPaths", output}, path});
            }
        }
        return out;
    }
    case Cursor::Kind::Value:
        return {std::move(c.value), std::move(c.store_paths)};
    }
    return {json(nullptr), {}};
}

ResolvedPackage Evaluator::resolve_package(std::string_view attrpath) {
    Cursor c;
    walk(c, split_attrpath(attrpath));
    if (c.refused != nullptr) {
        throw *c.refused;
    }
    if (c.kind != Cursor::Kind::Package) {
        fail(ErrorKind::InvalidInput, "'{}' is not a package", attrpath);
    }
    return {c.set, c.package, c.set->attrpath(c.package->attr)};
}

const PackageSet& Evaluator::resolve_set(std::string_view attrpath) {
    Cursor c;
    walk(c, split_attrpath(attrpath));
    if (c.refused != nullptr) {
        throw *c.refused;
    }
    if (c.kind != Cursor::Kind::Set) {
        fail(ErrorKind::InvalidInput, "'{}' is not a package set", attrpath);
    }
    return *c.set;
}

} // namespace cudapkgs::pkgset
