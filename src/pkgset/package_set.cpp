// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/pkgset/package_set.hpp>
#include <cudapkgs/pkgset/recipe.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/spelling.hpp>

#include <fmt/ranges.h>

#include <algorithm>
#include <set>

namespace cudapkgs::pkgset {

using manifest::Manifest;
using manifest::ManifestEntry;
using version::Version;

namespace {

/// Nix systems served by a manifest platform key.
std::vector<std::string> nix_systems(std::string_view platform) {
    if (platform == "linux-x86_64") {
        return {"x86_64-linux"};
    }
    if (platform == "linux-sbsa" || platform == "linux-aarch64") {
        return {"aarch64-linux"};
    }
    if (platform == "linux-all" || platform == "source") {
        return {"aarch64-linux", "x86_64-linux"};
    }
    return {};
}

License license_for(const std::string& product, const ManifestEntry& e) {
    if (e.license == "MIT") {
        return {"MIT", true};
    }
    if (product == "cudnn") {
        return {"cuDNN EULA", false};
    }
    if (product == "cutensor") {
        return {"cuTENSOR EULA", false};
    }
    if (product == "cusparselt") {
        return {"cuSPARSELt EULA", false};
    }
    if (product == "tensorrt") {
        return {"TensorRT EULA", false};
    }
    return {"CUDA EULA", false};
}

/// A platform entry's archive for a set: the `cuda<major>.<minor>` variant when the entry has
/// one (cuda_compat from CUDA 13.2 is keyed `cuda13.2`), else `cuda<major>`.
const manifest::Artifact* find_variant(const manifest::PlatformEntry& entry,
                                       const std::string& major, const std::string& major_minor) {
    if (auto it = entry.variants.find(major_minor); it != entry.variants.end()) {
        return &it->second;
    }
    if (auto it = entry.variants.find(major); it != entry.variants.end()) {
        return &it->second;
    }
    return nullptr;
}

const char* const kFeatureOutputs[] = {"bin", "lib", "static", "dev", "doc", "sample", "python"};

/// Canonical output order: lib before static, as the routing rules require.
const std::vector<std::string> kOutputOrder = {"out",     "bin", "lib",    "static", "dev",
                                               "include", "doc", "sample", "python", "stubs"};

void sort_outputs(std::vector<std::string>& outputs) {
    auto rank = [](const std::string& o) {
        return std::find(kOutputOrder.begin(), kOutputOrder.end(), o) - kOutputOrder.begin();
    };
    std::stable_sort(outputs.begin(), outputs.end(),
                     [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
    outputs.erase(std::unique(outputs.begin(), outputs.end()), outputs.end());
}

} // namespace

/// Builds a set's contents from the manifests (one instance of it per shared key).
class ContentsBuilder {
  public:
    ContentsBuilder(const Catalog& catalog, const SetDefinition& definition,
                    const Instance& instance, std::string redist_system)
        : m_catalog(&catalog), m_definition(&definition), m_instance(&instance),
          m_redist_system(std::move(redist_system)) {}

    SetContents build() {
        m_out.manifest_versions["cuda"] = m_definition->cuda_manifest->version;
        add_cuda_packages();
        add_package_aliases();
        for (const auto& product : m_catalog->library_products()) {
            add_library_product(product);
        }
        for (const auto& source : m_catalog->source_packages()) {
            add_source_package(source);
        }
        for (const auto& overlay : m_instance->overlays) {
            if (overlay->applies_to(m_definition->name)) {
                apply_overlay(*overlay);
            }
        }
        resolve_dependencies();
        std::sort(m_out.packages.begin(), m_out.packages.end(),
                  [](const Package& a, const Package& b) { return a.attr < b.attr; });
        for (std::size_t i = 0; i < m_out.packages.size(); ++i) {
            m_out.index.emplace(m_out.packages[i].attr, i);
        }
        return std::move(m_out);
    }

  private:
    void add_cuda_packages();
    void add_library_product(const std::string& product);
    void add_package_aliases();
    Package make_package(const Manifest& m, const ManifestEntry& e, std::string attr) const;
    void apply_rules(Package& p, const fixups::RuleList& rules) const;
    void add_source_package(const Catalog::SourcePackage& source);
    void apply_overlay(const Overlay& overlay);
    void resolve_dependencies();

    const Catalog* m_catalog;
    const SetDefinition* m_definition;
    const Instance* m_instance;
    std::string m_redist_system;
    SetContents m_out;
};

std::string redist_system_for(const SetDefinition& definition, const Instance& instance) {
    return capabilities::redist_system(capabilities::CapabilityTable::builtin(), instance.system,
                                       instance.config.cuda_capabilities,
                                       definition.cuda_major_minor);
}

std::string contents_key(const SetDefinition& definition, const Instance& instance,
                         const std::string& redist_system) {
    std::string overlays;
    for (const auto& o : instance.overlays) {
        overlays += o->hash + ",";
    }
    return fmt::format("{}|{}|{}|{}|{}|{}", definition.name, instance.system, redist_system,
                       instance.config.cuda_support, instance.jetson(), overlays);
}

bool Instance::jetson() const {
    const auto& table = capabilities::CapabilityTable::builtin();
    return std::any_of(config.cuda_capabilities.begin(), config.cuda_capabilities.end(),
                       [&](const auto& c) {
                           const auto* info = table.find(c);
                           return info != nullptr && info->is_jetson;
                       });
}

std::shared_ptr<const SetContents> build_contents(const Catalog& catalog,
                                                  const SetDefinition& definition,
                                                  const Instance& instance,
                                                  const std::string& redist_system) {
    return std::make_shared<const SetContents>(
        ContentsBuilder(catalog, definition, instance, redist_system).build());
}

PackageSet::PackageSet(const Catalog& catalog, const SetDefinition& definition,
                       const Instance& instance, std::shared_ptr<const SetContents> contents)
    : m_definition(&definition), m_instance(&instance),
      m_redist_system(redist_system_for(definition, instance)), m_contents(std::move(contents)) {
    m_capabilities =
        instance.config.cuda_capabilities.empty()
            ? capabilities::CapabilityTable::builtin().defaults_for(definition.cuda_major_minor)
            : instance.config.cuda_capabilities;
    if (!m_contents) {
        m_contents = build_contents(catalog, definition, instance, m_redist_system);
    }
}

std::string PackageSet::name_prefix() const {
    return "cuda" + m_definition->cuda_major_minor.str();
}

const Error* PackageSet::capability_error() const {
    if (!m_validation) {
        try {
            capabilities::validate(capabilities::CapabilityTable::builtin(), m_capabilities,
                                   m_definition->cuda_major_minor, m_instance->system, name());
            m_validation.emplace(std::nullopt);
        } catch (const Error& e) {
            m_validation.emplace(e);
        }
    }
    return *m_validation ? &**m_validation : nullptr;
}

void PackageSet::validate_capabilities() const {
    if (const Error* error = capability_error()) {
        throw *error;
    }
}

capabilities::Flags PackageSet::flags() const {
    validate_capabilities();
    return capabilities::format_flags(capabilities::CapabilityTable::builtin(), m_capabilities,
                                      m_instance->config.cuda_forward_compat);
}

void ContentsBuilder::add_cuda_packages() {
    const Manifest& m = *m_definition->cuda_manifest;
    for (const auto& e : m.entries) {
        m_out.packages.push_back(make_package(m, e, e.key));
    }
}

void ContentsBuilder::add_package_aliases() {
    // `cuda_cccl` → `cccl`: a set whose manifest renamed a package keeps the old attribute, the
    // same package (pname, version, archive) under the name its dependents use.
    for (const auto& [alias, target] : m_catalog->fixups().package_aliases()) {
        auto has = [&](const std::string& attr) {
            return std::any_of(m_out.packages.begin(), m_out.packages.end(),
                               [&](const Package& p) { return p.attr == attr; });
        };
        if (has(alias) || !has(target)) {
            continue;
        }
        const std::string& wanted = target; // clang 14 cannot capture a structured binding
        Package copy = *std::find_if(m_out.packages.begin(), m_out.packages.end(),
                                     [&](const Package& p) { return p.attr == wanted; });
        copy.attr = alias;
        m_out.packages.push_back(std::move(copy));
    }
}

void ContentsBuilder::add_library_product(const std::string& product) {
    const auto& releases = m_catalog->manifests().products.at(product);
    const std::string major = std::to_string(m_definition->cuda.part(0));
    // The product release this set uses: the pin, else the newest with a build for its CUDA
    // major on this platform (else on any platform, else simply the newest).
    const Manifest* chosen = nullptr;
    if (auto pin = m_definition->pins.find(product); pin != m_definition->pins.end()) {
        const auto* branch =
            resolve_pin(pin->second, m_instance->jetson(), m_instance->system, m_redist_system);
        if (branch != nullptr) {
            chosen = m_catalog->manifests().find(product, branch->version);
            if (pin->second.size() > 1) {
                m_out.pin_branches[product] = branch->label();
            }
        }
    }
    auto has_build = [&](const Manifest& m, bool host_only) {
        return std::any_of(m.entries.begin(), m.entries.end(), [&](const ManifestEntry& e) {
            return std::any_of(e.platforms.begin(), e.platforms.end(), [&](const auto& p) {
                return (!host_only || p.first == m_redist_system) &&
                       p.second.variants.count(major) > 0;
            });
        });
    };
    for (auto it = releases.rbegin(); chosen == nullptr && it != releases.rend(); ++it) {
        if (has_build(*it, true)) {
            chosen = &*it;
        }
    }
    for (auto it = releases.rbegin(); chosen == nullptr && it != releases.rend(); ++it) {
        if (has_build(*it, false)) {
            chosen = &*it;
        }
    }
    if (chosen == nullptr) {
        chosen = &releases.back();
    }
    m_out.manifest_versions[product] = chosen->version;

    // One attribute per release and key (cudnn_9_8), plus the unversioned default (cudnn): the
    // chosen release when it has the key and is available, else the newest available one.
    std::map<std::string, std::vector<Package>> by_key;
    for (const auto& m : releases) {
        const std::string mm = Version::parse(m.version).prefix(2);
        for (const auto& e : m.entries) {
            by_key[e.key].push_back(make_package(m, e, version::versioned_name(e.key, mm)));
        }
    }
    for (auto& [key, versions] : by_key) {
        const Package* best = nullptr;
        for (const auto& p : versions) {
            if (p.manifest_version == chosen->version && p.available()) {
                best = &p;
            }
        }
        for (auto it = versions.rbegin(); best == nullptr && it != versions.rend(); ++it) {
            if (it->available()) {
                best = &*it;
            }
        }
        if (best == nullptr) {
            best = &versions.back();
        }
        Package unversioned = *best;
        unversioned.attr = key;
        m_out.packages.push_back(std::move(unversioned));
        for (auto& p : versions) {
            m_out.packages.push_back(std::move(p));
        }
    }
}

Package ContentsBuilder::make_package(const Manifest& m, const ManifestEntry& e,
                                      std::string attr) const {
    Package p;
    p.attr = std::move(attr);
    p.pname = e.key;
    p.version = e.version;
    p.product = m.product;
    p.manifest_version = m.version;
    p.description = e.name;
    p.license = license_for(m.product, e);

    const std::string major = std::to_string(m_definition->cuda.part(0));
    const std::string major_minor = m_definition->cuda_major_minor.str();
    std::set<std::string> systems;
    for (const auto& [platform, entry] : e.platforms) {
        if (entry.flat || find_variant(entry, major, major_minor) != nullptr) {
            for (auto& s : nix_systems(platform)) {
                systems.insert(std::move(s));
            }
        }
    }
    p.platforms.assign(systems.begin(), systems.end());

    // Platform-independent archives first, then the host's own.
    const manifest::PlatformEntry* chosen = nullptr;
    std::string chosen_platform;
    for (const char* key : {"source", "linux-all"}) {
        if (const auto* pe = e.find_platform(key); pe != nullptr && chosen == nullptr) {
            chosen = pe;
            chosen_platform = key;
        }
    }
    if (chosen == nullptr) {
        chosen = e.find_platform(m_redist_system);
        chosen_platform = m_redist_system;
    }
    if (m_redist_system == "unsupported") {
        p.unavailable_reasons.push_back(
            fmt::format("system '{}' is not supported (supported: x86_64-linux, aarch64-linux)",
                        m_instance->system));
    } else if (chosen == nullptr) {
        std::vector<std::string> have;
        for (const auto& [platform, entry] : e.platforms) {
            have.push_back(platform);
        }
        p.unavailable_reasons.push_back(fmt::format("no archive for {} (the manifest has: {})",
                                                    m_redist_system, fmt::join(have, ", ")));
    } else if (chosen->flat) {
        const auto& a = *chosen->flat;
        p.src = Source{m.product,
                       a.relative_path,
                       a.sha256,
                       a.size,
                       chosen_platform,
                       {},
                       m_catalog->manifests().base_path(m.product)};
    } else if (const auto* v = find_variant(*chosen, major, major_minor); v != nullptr) {
        const auto& a = *v;
        p.src = Source{m.product,
                       a.relative_path,
                       a.sha256,
                       a.size,
                       chosen_platform,
                       {},
                       m_catalog->manifests().base_path(m.product)};
    } else {
        bool all_older =
            std::all_of(chosen->variants.begin(), chosen->variants.end(), [&](const auto& kv) {
                return Version::parse(kv.first) < Version::parse(major_minor);
            });
        std::vector<std::string> have;
        for (const auto& [variant, artifact] : chosen->variants) {
            have.push_back(variant);
        }
        p.unavailable_reasons.push_back(fmt::format(
            "CUDA version is too {}: {} {} has builds for CUDA {} only, this set is CUDA {}",
            all_older ? "new" : "old", e.key, e.version, fmt::join(have, ", "),
            m_definition->cuda_major_minor.str()));
    }
    if (!m_instance->config.cuda_support) {
        p.unavailable_reasons.push_back("CUDA support is disabled (config cudaSupport = false)");
    }

    // Declared outputs (fixups/outputs.json) are the same in every set and on every platform;
    // features data is the fallback for packages the table does not know.
    p.outputs = {"out"};
    if (const auto* declared = m_catalog->fixups().declared_outputs(e.key)) {
        p.outputs = *declared;
    } else if (auto f = m_catalog->manifests().features.find(m.product);
               f != m_catalog->manifests().features.end()) {
        for (const auto& feature : f->second) {
            if (Version::parse(feature.version).prefix(2) != m_definition->cuda_major_minor.str()) {
                continue;
            }
            auto pkg = feature.outputs.find(e.key);
            if (pkg == feature.outputs.end()) {
                continue;
            }
            auto plat = pkg->second.find(chosen_platform);
            if (plat == pkg->second.end()) {
                continue;
            }
            for (const char* out : kFeatureOutputs) {
                if (std::find(plat->second.begin(), plat->second.end(), out) !=
                    plat->second.end()) {
                    p.outputs.emplace_back(out);
                }
            }
        }
    }
    if (const auto* rules = m_catalog->fixups().find(p.pname)) {
        apply_rules(p, *rules);
    }
    return p;
}

void ContentsBuilder::add_source_package(const Catalog::SourcePackage& source) {
    const pkgset::SourceRecipe& r = *source.recipe;
    Package p;
    p.attr = r.pname;
    p.pname = r.pname;
    p.version = r.version;
    p.product = "source";
    p.description = r.description;
    p.license = {r.license_short_name, r.license_free};
    p.outputs = {"out"};
    p.dependencies = r.dependencies_for(m_definition->cuda);
    p.platforms = r.platforms;
    p.main_program = r.main_program;
    p.recipe = source.recipe;
    p.recipe_hash = source.hash;
    if (!r.platforms.empty() && std::find(r.platforms.begin(), r.platforms.end(),
                                          m_instance->system) == r.platforms.end()) {
        p.unavailable_reasons.push_back(
            fmt::format("{} is not built for {}", r.pname, m_instance->system));
    }
    if (!m_instance->config.cuda_support) {
        p.unavailable_reasons.push_back("CUDA support is disabled (config cudaSupport = false)");
    }
    if (const auto* rules = m_catalog->fixups().find(p.pname)) {
        apply_rules(p, *rules);
    }
    m_out.packages.push_back(std::move(p));
}

void ContentsBuilder::apply_rules(Package& p, const fixups::RuleList& rules) const {
    fixups::Target target{Version::parse(p.version), m_definition->cuda, m_redist_system,
                          m_instance->system, m_instance->jetson()};
    fixups::Effects e;
    rules.collect(target, e);
    auto add_all = [](std::vector<std::string>& to, const std::vector<std::string>& from) {
        for (const auto& item : from) {
            if (std::find(to.begin(), to.end(), item) == to.end()) {
                to.push_back(item);
            }
        }
    };
    add_all(p.dependencies, e.dependencies);
    add_all(p.optional_dependencies, e.optional_dependencies);
    add_all(p.system_libraries, e.system_libraries);
    add_all(p.ignore_missing, e.ignore_missing);
    if (e.only_outputs) {
        p.outputs = *e.only_outputs;
    }
    add_all(p.outputs, e.add_outputs);
    std::erase_if(p.outputs, [&](const std::string& o) {
        return o != "out" && std::find(e.remove_outputs.begin(), e.remove_outputs.end(), o) !=
                                 e.remove_outputs.end();
    });
    sort_outputs(p.outputs);
    if (e.license) {
        p.license = {e.license->first, e.license->second};
    }
    if (!e.main_program.empty()) {
        p.main_program = e.main_program;
    }
    for (auto& message : e.broken) {
        p.unavailable_reasons.push_back(std::move(message));
    }
    const Version& cuda = m_definition->cuda_major_minor;
    if (e.min_cuda && cuda < Version::parse(*e.min_cuda)) {
        p.unavailable_reasons.push_back(fmt::format(
            "CUDA version is too old: {} needs CUDA {} or newer", p.pname, *e.min_cuda));
    }
    if (e.max_cuda && Version::parse(*e.max_cuda) < cuda) {
        p.unavailable_reasons.push_back(fmt::format(
            "CUDA version is too new: {} supports CUDA up to {}", p.pname, *e.max_cuda));
    }
    for (auto& step : e.build) {
        p.build.push_back(std::move(step));
    }
    if (!rules.rules.empty()) {
        p.fixup_origins.push_back(rules.origin);
    }
}

void ContentsBuilder::apply_overlay(const Overlay& overlay) {
    auto& pkgs = m_out.packages;
    for (const auto& entry : overlay.packages) {
        auto it = std::find_if(pkgs.begin(), pkgs.end(),
                               [&](const Package& p) { return p.attr == entry.name; });
        if (entry.remove) {
            if (it != pkgs.end()) {
                pkgs.erase(it);
            }
            continue;
        }
        if (it == pkgs.end()) {
            if (!entry.version || !entry.src) {
                throw Error(ErrorKind::InvalidInput,
                            fmt::format("overlay adds package '{}' but gives no version and src",
                                        entry.name),
                            overlay.path)
                    .add_note("a new package needs \"version\" and \"src\": {\"url\", "
                              "\"sha256\", \"size\"}");
            }
            Package p;
            p.attr = entry.name;
            p.pname = entry.pname.value_or(entry.name);
            p.product = "overlay";
            p.license = {"unfree", false};
            p.outputs = {"out"};
            p.platforms = {m_instance->system};
            pkgs.push_back(std::move(p));
            it = std::prev(pkgs.end());
        }
        Package& p = *it;
        if (entry.version) {
            p.version = *entry.version;
        }
        if (entry.src) {
            p.src = *entry.src;
            // A pinned source replaces "no archive for this platform" reasons.
            std::erase_if(p.unavailable_reasons, [](const std::string& r) {
                return r.starts_with("no archive for") || r.starts_with("CUDA version is too");
            });
        }
        if (entry.description) {
            p.description = *entry.description;
        }
        apply_rules(p, entry.rules);
    }
}

void ContentsBuilder::resolve_dependencies() {
    // Names are looked up in the final set (after every overlay): the fixed point.
    std::map<std::string, Package*, std::less<>> by_name;
    for (auto& p : m_out.packages) {
        by_name[p.attr] = &p;
    }
    for (auto& p : m_out.packages) {
        for (const auto& name : p.optional_dependencies) {
            if (by_name.count(name) > 0 && std::find(p.dependencies.begin(), p.dependencies.end(),
                                                     name) == p.dependencies.end()) {
                p.dependencies.push_back(name);
            }
        }
        for (const auto& name : p.dependencies) {
            if (by_name.count(name) == 0) {
                p.unavailable_reasons.push_back(
                    fmt::format("dependency '{}' is not in {}", name, m_definition->name));
            }
        }
    }
    // Unavailability spreads to dependents until nothing changes.
    for (bool changed = true; changed;) {
        changed = false;
        for (auto& p : m_out.packages) {
            if (!p.available()) {
                continue;
            }
            for (const auto& name : p.dependencies) {
                auto it = by_name.find(name);
                if (it != by_name.end() && !it->second->available()) {
                    p.unavailable_reasons.push_back(
                        fmt::format("dependency '{}' is unavailable: {}", name,
                                    it->second->unavailable_reasons.front()));
                    changed = true;
                    break;
                }
            }
        }
    }
}

const Package* PackageSet::find(std::string_view attr) const {
    auto it = m_contents->index.find(attr);
    return it == m_contents->index.end() ? nullptr : &m_contents->packages[it->second];
}

std::vector<std::string> PackageSet::package_names() const {
    std::vector<std::string> out;
    out.reserve(m_contents->packages.size());
    for (const auto& p : m_contents->packages) {
        out.push_back(p.attr);
    }
    return out;
}

std::string PackageSet::attrpath(std::string_view attr) const {
    std::string out = name();
    out += '.';
    out += attr;
    return out;
}

const Package& PackageSet::get(std::string_view attr) const {
    if (const Package* p = find(attr)) {
        return *p;
    }
    Error error(ErrorKind::InvalidInput,
                fmt::format("attribute '{}' not found in {}", attr, name()));
    if (auto guess = util::find_closest(attr, package_names())) {
        error.add_note(fmt::format("did you mean '{}'?", *guess));
    }
    throw error;
}

bool license_accepted(const License& license, const config::Config& config) {
    if (license.free || config.allow_unfree) {
        return true;
    }
    const auto& ok = config.allow_unfree_licenses;
    return std::find(ok.begin(), ok.end(), license.short_name) != ok.end();
}

void require_license(const Package& package, std::string_view attrpath,
                     const config::Config& config) {
    if (license_accepted(package.license, config)) {
        return;
    }
    throw Error(ErrorKind::InvalidInput,
                fmt::format("'{}' has an unfree licence ('{}') that has not been accepted",
                            attrpath, package.license.short_name))
        .add_note(fmt::format("accept it on the command line: --option allowUnfreeLicenses "
                              "'[\"{}\"]' (or --option allowUnfree true)",
                              package.license.short_name))
        .add_note(fmt::format("or in the config file: {{\"allowUnfreeLicenses\": [\"{}\"]}} "
                              "(or {{\"allowUnfree\": true}})",
                              package.license.short_name))
        .add_note("or in the environment: CUDAPKGS_ALLOW_UNFREE=1");
}

void require_buildable(const PackageSet& set, const Package& package, std::string_view attrpath) {
    require_license(package, attrpath, set.instance().config);
    if (!package.available()) {
        Error error(ErrorKind::InvalidInput, fmt::format("'{}' is not available", attrpath));
        for (const auto& reason : package.unavailable_reasons) {
            error.add_note(reason);
        }
        throw error;
    }
    set.validate_capabilities();
}

} // namespace cudapkgs::pkgset
