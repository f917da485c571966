// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/pkgset/package_set.hpp>
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

const char* const kFeatureOutputs[] = {"bin", "lib", "static", "dev", "doc", "sample", "python"};

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
        for (const auto& product : m_catalog->library_products()) {
            add_library_product(product);
        }
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
    Package make_package(const Manifest& m, const ManifestEntry& e, std::string attr) const;

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
    return fmt::format("{}|{}|{}|{}", definition.name, instance.system, redist_system,
                       instance.config.cuda_support);
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

void PackageSet::validate_capabilities() const {
    if (!m_validation) {
        try {
            capabilities::validate(capabilities::CapabilityTable::builtin(), m_capabilities,
                                   m_definition->cuda_major_minor, m_instance->system, name());
            m_validation.emplace(std::nullopt);
        } catch (const Error& e) {
            m_validation.emplace(e);
        }
    }
    if (*m_validation) {
        throw **m_validation;
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

void ContentsBuilder::add_library_product(const std::string& product) {
    const auto& releases = m_catalog->manifests().products.at(product);
    const std::string major = std::to_string(m_definition->cuda.part(0));
    // The product release this set uses: the pin, else the newest with a build for its CUDA
    // major on this platform (else on any platform, else simply the newest).
    const Manifest* chosen = nullptr;
    if (auto pin = m_definition->pins.find(product); pin != m_definition->pins.end()) {
        chosen = m_catalog->manifests().find(product, pin->second);
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
    std::set<std::string> systems;
    for (const auto& [platform, entry] : e.platforms) {
        if (entry.flat || entry.variants.count(major) > 0) {
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
        p.src = Source{m.product, a.relative_path, a.sha256, a.size, chosen_platform};
    } else if (auto v = chosen->variants.find(major); v != chosen->variants.end()) {
        const auto& a = v->second;
        p.src = Source{m.product, a.relative_path, a.sha256, a.size, chosen_platform};
    } else {
        bool all_older =
            std::all_of(chosen->variants.begin(), chosen->variants.end(),
                        [&](const auto& kv) { return std::stoul(kv.first) < std::stoul(major); });
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

    p.outputs = {"out"};
    if (auto f = m_catalog->manifests().features.find(m.product);
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
    return p;
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

} // namespace cudapkgs::pkgset
