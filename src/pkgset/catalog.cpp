// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/pkgset/catalog.hpp>
#include <cudapkgs/util/error.hpp>

#include <algorithm>

namespace cudapkgs::pkgset {

using version::Version;

Catalog::Catalog(manifest::ManifestStore store, fixups::FixupSet fixups)
    : m_store(std::move(store)), m_fixups(std::move(fixups)) {
    const auto& pins = m_store.pins;
    for (const auto& [name, products] : pins.sets) {
        auto cuda = products.find("cuda");
        if (cuda == products.end()) {
            throw Error(ErrorKind::InvalidInput,
                        fmt::format("set '{}' does not pin a cuda manifest", name), pins.path);
        }
        const std::string& cuda_version = cuda->second.front().version;
        const manifest::Manifest* m = m_store.find("cuda", cuda_version);
        if (m == nullptr) {
            throw Error(ErrorKind::InvalidInput,
                        fmt::format("set '{}' pins cuda {}, but there is no "
                                    "cuda/redistrib_{}.json in the manifests directories",
                                    name, cuda_version, cuda_version),
                        pins.path);
        }
        SetDefinition def;
        def.name = name;
        def.cuda = Version::parse(m->release_label);
        def.cuda_major_minor = Version::parse(def.cuda.prefix(2));
        def.cuda_manifest = m;
        def.pinned = true;
        auto add_pin = [&](const std::string& product, const manifest::Pin& pin) {
            if (product == "cuda" || def.pins.count(product) > 0) {
                return;
            }
            for (const auto& branch : pin) {
                if (m_store.find(product, branch.version) == nullptr) {
                    throw Error(
                        ErrorKind::InvalidInput,
                        fmt::format("set '{}' pins {} {}, but there is no {}/redistrib_{}.json",
                                    def.name, product, branch.version, product, branch.version),
                        pins.path);
                }
            }
            def.pins[product] = pin;
        };
        for (const auto& [product, pin] : products) {
            add_pin(product, pin);
        }
        for (const auto& [product, pin] : pins.common) {
            add_pin(product, pin);
        }
        m_sets.push_back(std::move(def));
    }
    // Fallback: every cuda major.minor without a pinned set gets one from its highest patch
    // release (manifests are sorted oldest first, so the last one seen wins).
    if (auto it = m_store.products.find("cuda"); it != m_store.products.end()) {
        std::map<std::string, const manifest::Manifest*> newest;
        for (const auto& m : it->second) {
            Version v = Version::parse(m.release_label);
            newest[version::versioned_name("cudaPackages", v.prefix(2))] = &m;
        }
        for (const auto& [name, m] : newest) {
            if (find_set(name) != nullptr) {
                continue;
            }
            SetDefinition def;
            def.name = name;
            def.cuda = Version::parse(m->release_label);
            def.cuda_major_minor = Version::parse(def.cuda.prefix(2));
            def.cuda_manifest = m;
            m_sets.push_back(std::move(def));
        }
    }
    std::sort(m_sets.begin(), m_sets.end(),
              [](const auto& a, const auto& b) { return a.cuda < b.cuda; });
    m_aliases = pins.aliases;
}

const manifest::PinBranch* resolve_pin(const manifest::Pin& pin, bool jetson,
                                       std::string_view system, std::string_view redist_system) {
    for (const auto& branch : pin) {
        if (branch.matches(jetson, system, redist_system)) {
            return &branch;
        }
    }
    return nullptr;
}

const SetDefinition* Catalog::find_set(std::string_view name) const {
    for (const auto& s : m_sets) {
        if (s.name == name) {
            return &s;
        }
    }
    return nullptr;
}

std::optional<std::string> Catalog::resolve_alias(std::string_view name) const {
    std::string current(name);
    for (int depth = 0; depth < 16; ++depth) {
        if (find_set(current) != nullptr) {
            return current;
        }
        auto it = m_aliases.find(current);
        if (it == m_aliases.end()) {
            return std::nullopt;
        }
        current = it->second;
    }
    fail(ErrorKind::InvalidInput, "alias '{}' does not resolve (a cycle in sets.json aliases?)",
         name);
}

std::vector<std::string> Catalog::library_products() const {
    std::vector<std::string> out;
    for (const auto& [product, list] : m_store.products) {
        if (product != "cuda") {
            out.push_back(product);
        }
    }
    return out;
}

} // namespace cudapkgs::pkgset
