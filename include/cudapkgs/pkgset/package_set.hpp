// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cudapkgs/capabilities/capabilities.hpp>
#include <cudapkgs/config/config.hpp>
#include <cudapkgs/pkgset/catalog.hpp>
#include <cudapkgs/pkgset/overlay.hpp>
#include <cudapkgs/pkgset/package.hpp>
#include <cudapkgs/util/error.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cudapkgs::pkgset {

/// The configuration a package set is evaluated under (one "nixpkgs instance").
struct Instance {
    config::Config config;
    std::string system; ///< x86_64-linux, aarch64-linux, …
    /// For `<set>.pkgs`: the set that `cudaPackages` and `cudaPackages_<major>` point at.
    std::string default_set_override;
    /// Overlays applied after the built-in fixups, in order (loaded from config.overlays).
    std::vector<std::shared_ptr<const Overlay>> overlays;

    /// Whether a Jetson capability is configured.
    bool jetson() const;
};

/// What a set contains: its packages and manifest versions. It depends on the set, the system,
/// the redist system and cudaSupport, not on capabilities, so variants share it.
struct SetContents {
    std::vector<Package> packages; ///< sorted by attribute name
    std::map<std::string, std::size_t, std::less<>> index;
    std::map<std::string, std::string> manifest_versions;
    /// product → the branch its pin took ("jetson", "systems=aarch64-linux", "default"), for
    /// products whose pin depends on the configuration.
    std::map<std::string, std::string> pin_branches;
};

/// Builds the contents of a set from the manifests.
std::shared_ptr<const SetContents> build_contents(const Catalog& catalog,
                                                  const SetDefinition& definition,
                                                  const Instance& instance,
                                                  const std::string& redist_system);

/// The key under which contents may be shared between instances.
std::string contents_key(const SetDefinition& definition, const Instance& instance,
                         const std::string& redist_system);

/// The redist system an instance maps to for a set (linux-x86_64, linux-sbsa, …).
std::string redist_system_for(const SetDefinition& definition, const Instance& instance);

/// The packages of one versioned set under one configuration. Evaluating it is pure.
class PackageSet {
  public:
    /// `contents` may be shared with other instances; built when null.
    PackageSet(const Catalog& catalog, const SetDefinition& definition, const Instance& instance,
               std::shared_ptr<const SetContents> contents = nullptr);

    const SetDefinition& definition() const noexcept { return *m_definition; }
    const Instance& instance() const noexcept { return *m_instance; }
    const std::string& name() const noexcept { return m_definition->name; }
    const std::string& redist_system() const noexcept { return m_redist_system; }
    /// "cuda12.8"
    std::string name_prefix() const;
    /// `<set>.<attr>` (cudaPackages_12_8.cudnn): how every command names a package of a set.
    std::string attrpath(std::string_view attr) const;

    /// Effective capabilities: the configured ones, or the set's defaults when none are.
    const std::vector<std::string>& capabilities() const noexcept { return m_capabilities; }
    /// Throws Error{InvalidInput} when the capabilities don't fit this set and system.
    void validate_capabilities() const;
    /// The error validate_capabilities() throws, or null; computed once, lives as long as the
    /// set (the evaluator's refusal path reports it without throwing).
    const Error* capability_error() const;
    /// Validated nvcc flags.
    capabilities::Flags flags() const;

    /// product → manifest version used by this set.
    const std::map<std::string, std::string>& manifest_versions() const noexcept {
        return m_contents->manifest_versions;
    }

    /// product → branch taken by a configuration-dependent pin (see SetContents).
    const std::map<std::string, std::string>& pin_branches() const noexcept {
        return m_contents->pin_branches;
    }

    const std::vector<Package>& packages() const noexcept { return m_contents->packages; }
    const std::shared_ptr<const SetContents>& contents() const noexcept { return m_contents; }
    const Package* find(std::string_view attr) const;
    /// Like find, but throws Error{InvalidInput} with "did you mean".
    const Package& get(std::string_view attr) const;
    std::vector<std::string> package_names() const;

  private:
    const SetDefinition* m_definition;
    const Instance* m_instance;
    std::string m_redist_system;
    std::vector<std::string> m_capabilities;
    std::shared_ptr<const SetContents> m_contents;
    /// The capability check's outcome, computed once ("" = valid).
    mutable std::optional<std::optional<Error>> m_validation;
};

/// Whether the configuration accepts a package's licence (allowUnfree, allowUnfreeLicenses).
bool license_accepted(const License& license, const config::Config& config);
/// Throws Error{InvalidInput} naming the licence and the three ways to accept it.
void require_license(const Package& package, std::string_view attrpath,
                     const config::Config& config);
/// Throws Error{InvalidInput} unless `package` of `set` may be built: its licence is accepted,
/// it is available (the reasons as notes) and the set's capabilities are valid.
void require_buildable(const PackageSet& set, const Package& package, std::string_view attrpath);

} // namespace cudapkgs::pkgset
