// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cudapkgs/fixups/fixup.hpp>
#include <cudapkgs/manifest/manifest.hpp>
#include <cudapkgs/pkgset/package.hpp>
#include <cudapkgs/version/version.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cudapkgs::pkgset {

/// A versioned set as the manifests and pins define it, before any configuration.
struct SetDefinition {
    std::string name;                  ///< cudaPackages_12_8
    version::Version cuda;             ///< the cuda manifest version, 12.8.2
    version::Version cuda_major_minor; ///< 12.8
    const manifest::Manifest* cuda_manifest = nullptr;
    /// Explicit product pins (besides cuda): the set's own, then sets.json's `common` ones. A
    /// pin may have configuration-dependent branches (Jetson, aarch64); see `resolve_pin`.
    std::map<std::string, manifest::Pin> pins;
    bool pinned = false;                     ///< from sets.json rather than the fallback rule
};

/// The branch of a pin a configuration takes (the first whose conditions hold), or null.
const manifest::PinBranch* resolve_pin(const manifest::Pin& pin, bool jetson,
                                       std::string_view system, std::string_view redist_system);

/// All manifests plus the set definitions and aliases derived from them.
class Catalog {
  public:
    /// Builds set definitions from pins and the fallback rule; throws Error{InvalidInput} when a
    /// pin names a manifest that does not exist.
    explicit Catalog(manifest::ManifestStore store, fixups::FixupSet fixups = {});

    /// A package built from source, shipped in every set.
    struct SourcePackage {
        std::shared_ptr<const SourceRecipe> recipe;
        std::string hash; ///< content hash of its source directory
    };
    void add_source_package(SourcePackage package) { m_sources.push_back(std::move(package)); }
    const std::vector<SourcePackage>& source_packages() const noexcept { return m_sources; }

    const manifest::ManifestStore& manifests() const noexcept { return m_store; }
    const fixups::FixupSet& fixups() const noexcept { return m_fixups; }
    const std::vector<SetDefinition>& sets() const noexcept { return m_sets; }
    const std::map<std::string, std::string>& aliases() const noexcept { return m_aliases; }

    /// The definition for a versioned name (no alias resolution).
    const SetDefinition* find_set(std::string_view name) const;
    /// Follows aliases (`cudaPackages` → `cudaPackages_12` → `cudaPackages_12_9`).
    std::optional<std::string> resolve_alias(std::string_view name) const;
    /// Library products (every product but cuda), in name order.
    std::vector<std::string> library_products() const;

  private:
    manifest::ManifestStore m_store;
    fixups::FixupSet m_fixups;
    std::vector<SourcePackage> m_sources;
    std::vector<SetDefinition> m_sets;
    std::map<std::string, std::string> m_aliases;
};

} // namespace cudapkgs::pkgset
