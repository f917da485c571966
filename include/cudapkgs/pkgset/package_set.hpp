// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cudapkgs/capabilities/capabilities.hpp>
#include <cudapkgs/config/config.hpp>
#include <cudapkgs/pkgset/catalog.hpp>
#include <cudapkgs/pkgset/package.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cudapkgs::pkgset {

/// The configuration a package set is evaluated under (one "nixpkgs instance").
struct Instance {
    config::Config config;
    std::string system; ///< x86_64-linux, aarch64-linux, …
    /// For `<set>.pkgs`: the set that `cudaPackages` and `cudaPackages_<major>` point at.
    std::string default_set_override;
};

/// The packages of one versioned set under one configuration. Evaluating it is pure.
class PackageSet {
public:
    PackageSet(const Catalog& catalog, const SetDefinition& definition, const Instance& instance);

    const SetDefinition& definition() const noexcept { return *m_definition; }
    const Instance& instance() const noexcept { return *m_instance; }
    const std::string& name() const noexcept { return m_definition->name; }
    const std::string& redist_system() const noexcept { return m_redist_system; }
    /// "cuda12.8"
    std::string name_prefix() const;

    /// Effective capabilities: the configured ones, or the set's defaults when none are.
    const std::vector<std::string>& capabilities() const noexcept { return m_capabilities; }
    /// Throws Error{InvalidInput} when the capabilities don't fit this set and system.
    void validate_capabilities() const;
    /// Validated nvcc flags.
    capabilities::Flags flags() const;

    /// product → manifest version used by this set.
    const std::map<std::string, std::string>& manifest_versions() const noexcept {
        return m_manifest_versions;
    }

    const std::vector<Package>& packages() const noexcept { return m_packages; }
    const Package* find(std::string_view attr) const;
    /// Like find, but throws Error{InvalidInput} with "did you mean".
    const Package& get(std::string_view attr) const;
    std::vector<std::string> package_names() const;

private:
    void add_cuda_packages();
    void add_library_product(const std::string& product);
    Package make_package(const manifest::Manifest& m, const manifest::ManifestEntry& e,
                         std::string attr) const;

    const Catalog* m_catalog;
    const SetDefinition* m_definition;
    const Instance* m_instance;
    std::string m_redist_system;
    std::vector<std::string> m_capabilities;
    std::map<std::string, std::string> m_manifest_versions;
    std::vector<Package> m_packages;
    std::map<std::string, std::size_t, std::less<>> m_index;
};

/// Whether the configuration accepts a package's licence (allowUnfree, allowUnfreeLicenses).
bool license_accepted(const License& license, const config::Config& config);
/// Throws Error{InvalidInput} naming the licence and the three ways to accept it.
void require_license(const Package& package, std::string_view attrpath,
                     const config::Config& config);

} // namespace cudapkgs::pkgset
