// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cudapkgs/pkgset/package_set.hpp>
#include <cudapkgs/storepath/store_path.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace cudapkgs::pkgset {

/// Bumped whenever the builder's output for the same inputs would change.
inline constexpr const char* kBuilderVersion = "cudapkgs-redist-1";

/// A derivation: canonical JSON of every input, and the store path names derived from it.
struct Derivation {
    nlohmann::json inputs;
    std::string hash; ///< sha256 hex of the canonical inputs
    /// output → store path `<32-char hash>-<pname>-<version>[-<output>]` (no store directory)
    std::map<std::string, storepath::StorePath> outputs;
    /// Built with nvcc, or depends on something that is: capabilities, forward compatibility
    /// and the host compiler are inputs.
    bool capability_dependent = false;
};

/// Computes derivations for the packages of one set, memoised, resolving dependencies by name
/// in that set (the fixed point). Throws Error{InvalidInput} on cycles, missing or
/// unavailable dependencies.
class DerivationBuilder {
  public:
    /// `shared` memoises derivations that do not depend on capabilities, across every variant
    /// using the same set contents; `host_compiler` identifies the compiler nvcc builds use.
    DerivationBuilder(const PackageSet& set, std::map<std::string, Derivation>* shared,
                      nlohmann::json host_compiler = nullptr)
        : m_set(&set), m_shared(shared), m_host_compiler(std::move(host_compiler)) {}

    const Derivation& get(const Package& package);

  private:
    const PackageSet* m_set;
    std::map<std::string, Derivation>* m_shared;
    nlohmann::json m_host_compiler;
    std::map<std::string, Derivation> m_done;
    std::vector<std::string> m_stack;
};

/// The store path for one output of a derivation hash.
storepath::StorePath store_path_name(const std::string& derivation_hash, const Package& package,
                                     const std::string& output);

/// output → base name as JSON: how derivation inputs and the lock file record outputs.
nlohmann::json outputs_json(const std::map<std::string, storepath::StorePath>& outputs);

} // namespace cudapkgs::pkgset
