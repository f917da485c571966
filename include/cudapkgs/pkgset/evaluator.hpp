// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cudapkgs/pkgset/catalog.hpp>
#include <cudapkgs/pkgset/derivation.hpp>
#include <cudapkgs/pkgset/package_set.hpp>
#include <cudapkgs/storepath/store_path.hpp>

#include <nlohmann/json.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace cudapkgs::pkgset {

/// Inputs that affect how values are shown but never a store path.
struct EvalSettings {
    std::vector<std::string> mirrors; ///< first one makes `src.url`
    /// Describes the host compiler for `<set>.hostCompiler` (kept out of pkgset: it runs a
    /// process).
    std::function<nlohmann::json(const version::Version& cuda_major_minor)> host_compiler;
    /// Identifies the host compiler ({family, version}) for derivations of nvcc-built packages.
    std::function<nlohmann::json()> host_compiler_identity;
};

/// A store path inside an evaluated value, and the object keys that lead to it.
struct StorePathAt {
    std::vector<std::string> keys;
    storepath::StorePath path;
};

/// What an attribute path evaluates to: JSON in which every store path is its base name
/// (`<hash>-<name>`: the evaluator knows no store directory), and where those are.
struct EvalValue {
    EvalValue() = default;
    EvalValue(nlohmann::json value, std::vector<StorePathAt> paths = {});
    /// A value shared with the evaluator's memo (package objects that variants share): not
    /// copied.
    EvalValue(std::shared_ptr<const nlohmann::json> value, std::vector<StorePathAt> paths);

    /// The JSON (null for a default-constructed value).
    const nlohmann::json& value() const noexcept;
    std::vector<StorePathAt> store_paths;

    /// `value` with each store path replaced by `show(path)` (commands print absolute paths).
    nlohmann::json
    render(const std::function<std::string(const storepath::StorePath&)>& show) const;

  private:
    std::shared_ptr<const nlohmann::json> m_value;
};

/// evaluate()'s outcome without the throw for its one common failure: a package that the
/// configuration refuses (capabilities that do not fit the set, e.g. sm_100 in a 12.6 set).
struct EvalResult {
    EvalValue value;                ///< null when refused
    const Error* refused = nullptr; ///< why, owned by the evaluator
};

/// A package found by attribute path.
struct ResolvedPackage {
    const PackageSet* set = nullptr;
    const Package* package = nullptr;
    std::string attrpath; ///< canonical, e.g. cudaPackages_12_8.cudnn
};

/// Evaluates attribute paths (`cudaPackages_12_8.cudnn.version`) against the catalog under a
/// base configuration, with the variants `pkgsCuda`, `pkgsForCudaArch.sm_XX` and `<set>.pkgs`.
class Evaluator {
  public:
    Evaluator(const Catalog& catalog, Instance base, EvalSettings settings);

    /// The value at an attribute path; throws Error{InvalidInput} with "did you mean".
    EvalValue evaluate(std::string_view attrpath);
    /// Like evaluate(), but a refused package is returned as its error instead of thrown
    /// (bench/eval and other callers that walk every variant refuse thousands of them); other
    /// errors (unknown attributes) still throw.
    EvalResult try_evaluate(std::string_view attrpath);
    /// evaluate()'s JSON (store paths as base names).
    nlohmann::json eval(std::string_view attrpath) { return evaluate(attrpath).value(); }
    /// The package an attribute path names; throws when it names something else.
    ResolvedPackage resolve_package(std::string_view attrpath);
    /// The set an attribute path names (`cudaPackages`, `pkgsCuda.cudaPackages_12_8`).
    const PackageSet& resolve_set(std::string_view attrpath);

    /// The package object `eval` prints (outPaths, as base names, only when the licence is
    /// accepted).
    nlohmann::json package_json(const PackageSet& set, const Package& package);
    /// output → store path, after require_buildable() (licence, availability, capabilities).
    const std::map<std::string, storepath::StorePath>&
    out_paths(const PackageSet& set, const Package& package, std::string_view attrpath);
    const Derivation& derivation(const PackageSet& set, const Package& package);

    /// Root attribute names of the base instance.
    std::vector<std::string> root_names() const;
    const Catalog& catalog() const noexcept { return *m_catalog; }
    const Instance& base() const noexcept { return m_instances.front(); }
    /// The set with `name` (resolved through aliases) under instance `index`.
    const PackageSet& set_in(std::size_t instance, std::string_view name);

  private:
    struct Cursor;
    /// The instance `change` makes of instance `from`, memoised under `label` (variants are
    /// walked thousands of times by bench/eval; building and keying an Instance each time is
    /// not free).
    std::size_t instance_with(const std::string& label, std::function<void(Instance&)> change,
                              std::size_t from);
    std::vector<std::string> root_names_of(std::size_t instance) const;
    std::string resolve_root_name(std::size_t instance, std::string_view name) const;
    nlohmann::json set_attribute(const PackageSet& set, const std::string& attr, Cursor& cursor);
    std::vector<std::string> set_attribute_names(const PackageSet& set) const;
    void walk(Cursor& cursor, const std::vector<std::string>& path);
    EvalValue value_at(Cursor& cursor);
    /// The capability error that refuses `package` of `set` (licence accepted, available), or
    /// null.
    const Error* refusal(const PackageSet& set, const Package& package) const;

    const Catalog* m_catalog;
    EvalSettings m_settings;
    std::deque<Instance> m_instances;
    std::map<std::string, std::size_t> m_instance_keys;
    std::map<std::pair<std::size_t, std::string>, std::size_t> m_transitions;
    std::map<std::pair<std::size_t, std::string>, std::unique_ptr<PackageSet>> m_sets;
    /// instance → name as written (an alias, too) → its set: skips resolving names again.
    std::map<std::size_t, std::map<std::string, const PackageSet*, std::less<>>> m_set_by_name;
    std::map<std::string, std::shared_ptr<const SetContents>> m_contents;
    std::map<const PackageSet*, std::unique_ptr<DerivationBuilder>> m_derivations;
    std::map<const SetContents*, std::map<std::string, Derivation>> m_shared_derivations;
    /// The package object `package_json` returns, shared.
    std::shared_ptr<const nlohmann::json> shared_package_json(const PackageSet& set,
                                                              const Package& package);
    /// Package objects by (package in its shared contents, licence accepted): variants share
    /// them.
    std::map<std::pair<const Package*, bool>, std::shared_ptr<const nlohmann::json>> m_package_json;
};

/// Splits `a.b.c` into segments; throws Error{Usage}-like InvalidInput on empty segments.
std::vector<std::string> split_attrpath(std::string_view attrpath);

} // namespace cudapkgs::pkgset
