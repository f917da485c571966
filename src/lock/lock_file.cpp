// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/lock/lock_file.hpp>
#include <cudapkgs/manifest/mirror_layout.hpp>
#include <cudapkgs/pkgset/plan.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/hash.hpp>

#include <algorithm>
#include <filesystem>
#include <set>

namespace cudapkgs::lock {

using nlohmann::json;

namespace {

/// Accumulates the parts of a lock while walking the requested packages.
struct LockBuilder {
    explicit LockBuilder(pkgset::Evaluator& e) : evaluator(e) {}

    pkgset::Evaluator& evaluator;
    json manifests = json::object();
    json archives = json::object();
    json sets = json::object();
    json packages = json::object();
    json aliases = json::object();
    std::set<std::string> pnames;
    std::set<std::pair<std::string, std::string>> visited; ///< (set key, attr)

    void add_set(const std::string& key, const pkgset::PackageSet& set);
    void add_closure(const std::string& key, const pkgset::ResolvedPackage& target);
    void add_package(const std::string& attrpath);
    void add_aliases(const std::string& attrpath);
};

std::string archive_key(const pkgset::Source& src) {
    return src.url.empty() ? manifest::archive_path(src.base_path, src.relative_path) : src.url;
}

/// Sets are keyed by name; the same set under other capabilities (pkgsForCudaArch) gets the
/// capabilities appended so both stay visible in the lock.
std::string set_key(const json& sets, const pkgset::PackageSet& set) {
    std::string key = set.name();
    auto it = sets.find(key);
    if (it == sets.end() || it->at("capabilities") == json(set.capabilities())) {
        return key;
    }
    std::string caps;
    for (const auto& c : set.capabilities()) {
        caps += (caps.empty() ? "" : ",") + c;
    }
    return key + "[" + caps + "]";
}

void LockBuilder::add_set(const std::string& key, const pkgset::PackageSet& set) {
    if (sets.contains(key)) {
        return;
    }
    json versions = json::object();
    for (const auto& [product, version] : set.manifest_versions()) {
        versions[product] = version;
        const manifest::Manifest* m = evaluator.catalog().manifests().find(product, version);
        if (m == nullptr) {
            continue; // a library product without a manifest for this set
        }
        std::string rel = product + "/" + std::filesystem::path(m->path).filename().string();
        manifests[rel] = util::sha256_file_hex(m->path);
    }
    const auto& config = set.instance().config;
    sets[key] = {{"name", set.name()},
                 {"cudaVersion", set.definition().cuda.str()},
                 {"redistSystem", set.redist_system()},
                 {"manifests", versions},
                 {"capabilities", set.capabilities()},
                 {"forwardCompat", config.cuda_forward_compat}};
    if (!set.pin_branches().empty()) {
        // Which branch each configuration-dependent pin took (sets.json), e.g. tensorrt:
        // "systems=aarch64-linux".
        sets[key]["pinBranches"] = set.pin_branches();
    }
}

void LockBuilder::add_closure(const std::string& key, const pkgset::ResolvedPackage& target) {
    // Each package before its dependencies, as the lock was always written.
    for (const auto& item : pkgset::closure({target}, pkgset::ClosureOrder::Discovery)) {
        const pkgset::Package& package = *item.package;
        if (!visited.emplace(key, package.attr).second) {
            continue;
        }
        pnames.insert(package.pname);
        if (package.src) {
            json& entry = archives[archive_key(*package.src)];
            entry["sha256"] = package.src->sha256;
            entry["size"] = package.src->size;
            entry["package"] = item.attrpath;
        }
    }
}

void LockBuilder::add_aliases(const std::string& attrpath) {
    for (const auto& segment : pkgset::split_attrpath(attrpath)) {
        if (evaluator.catalog().aliases().count(segment) != 0) {
            auto resolved = evaluator.catalog().resolve_alias(segment);
            aliases[segment] = resolved ? json(*resolved) : json(nullptr);
        }
    }
}

void LockBuilder::add_package(const std::string& attrpath) {
    pkgset::ResolvedPackage resolved = evaluator.resolve_package(attrpath);
    const auto& set = *resolved.set;
    const auto& package = *resolved.package;
    // Licence, availability and capabilities are checked before anything is locked.
    pkgset::require_buildable(set, package, attrpath);
    std::string key = set_key(sets, set);
    add_set(key, set);
    add_closure(key, resolved);
    add_aliases(attrpath);
    packages[attrpath] = {
        {"attrpath", resolved.attrpath},
        {"set", key},
        {"pname", package.pname},
        {"version", package.version},
        {"outPaths", pkgset::outputs_json(evaluator.derivation(set, package).outputs)}};
}

} // namespace

json compute_lock(pkgset::Evaluator& evaluator, const std::vector<std::string>& attrpaths) {
    if (attrpaths.empty()) {
        fail(ErrorKind::Usage, "nothing to lock: give at least one attribute path");
    }
    LockBuilder builder{evaluator};
    for (const auto& attrpath : attrpaths) {
        builder.add_package(attrpath);
    }
    const pkgset::Instance& base = evaluator.base();
    json fixups = json::object();
    for (const auto& [pname, hash] : evaluator.catalog().fixups().hashes()) {
        if (builder.pnames.count(pname) != 0) {
            fixups[pname] = hash;
        }
    }
    json overlays = json::array();
    for (const auto& overlay : base.overlays) {
        overlays.push_back({{"path", overlay->path}, {"sha256", overlay->hash}});
    }
    std::vector<std::string> licenses = base.config.allow_unfree_licenses;
    std::sort(licenses.begin(), licenses.end());
    return {{"lockVersion", kLockVersion},
            {"cudapkgsVersion", CUDAPKGS_VERSION},
            {"system", base.system},
            {"requested", attrpaths},
            {"aliases", builder.aliases},
            {"sets", builder.sets},
            {"manifests", builder.manifests},
            {"archives", builder.archives},
            {"fixups", fixups},
            {"overlays", overlays},
            {"licenses",
             {{"allowUnfree", base.config.allow_unfree}, {"allowUnfreeLicenses", licenses}}},
            {"packages", builder.packages}};
}

std::string render_lock(const json& lock) {
    return lock.dump(2) + "\n";
}

namespace {

/// Rejects (exit 3) the wrongly typed values later code would trip over.
void check_lock_shape(const json& doc, std::string_view path) {
    auto malformed = [&](std::string_view what) {
        fail(ErrorKind::InvalidInput, "{}: lock file has a malformed '{}'", path, what);
    };
    for (const auto& a : doc["requested"]) {
        if (!a.is_string()) {
            malformed("requested");
        }
    }
    for (const char* key : {"archives", "manifests", "sets"}) {
        if (!doc[key].is_object()) {
            malformed(key);
        }
    }
    if (doc.contains("system") && !doc["system"].is_string()) {
        malformed("system");
    }
    for (const auto& [attrpath, package] : doc["packages"].items()) {
        if (!package.is_object()) {
            malformed("packages." + attrpath);
        }
        auto outs = package.find("outPaths");
        if (outs != package.end()) {
            if (!outs->is_object()) {
                malformed("packages." + attrpath + ".outPaths");
            }
            for (const auto& [output, name] : outs->items()) {
                if (!name.is_string()) {
                    malformed("packages." + attrpath + ".outPaths." + output);
                }
            }
        }
        if (package.contains("attrpath") && !package["attrpath"].is_string()) {
            malformed("packages." + attrpath + ".attrpath");
        }
    }
}

} // namespace

json parse_lock(std::string_view text, std::string_view path) {
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        fail(ErrorKind::InvalidInput, "{}: not a cudapkgs lock file (invalid JSON)", path);
    }
    auto version = doc.find("lockVersion");
    if (version == doc.end() || !version->is_number_integer()) {
        fail(ErrorKind::InvalidInput, "{}: not a cudapkgs lock file (no lockVersion)", path);
    }
    if (version->get<int>() != kLockVersion) {
        throw Error(ErrorKind::InvalidInput,
                    fmt::format("{}: lock file version {} is not supported (this cudapkgs "
                                "writes version {})",
                                path, version->get<int>(), kLockVersion))
            .add_note("run 'cudapkgs lock' again to rewrite it");
    }
    for (const char* key : {"requested", "packages", "archives", "manifests", "sets"}) {
        if (!doc.contains(key)) {
            fail(ErrorKind::InvalidInput, "{}: lock file lacks '{}'", path, key);
        }
    }
    if (!doc["requested"].is_array() || !doc["packages"].is_object()) {
        fail(ErrorKind::InvalidInput, "{}: lock file has a malformed 'requested' or 'packages'",
             path);
    }
    check_lock_shape(doc, path);
    return doc;
}

std::vector<std::string> locked_attrpaths(const json& lock) {
    std::vector<std::string> out;
    for (const auto& a : lock.at("requested")) {
        out.push_back(a.get<std::string>());
    }
    return out;
}

std::string cache_key(const json& lock) {
    std::vector<std::string> names;
    for (const auto& [attrpath, package] : lock.at("packages").items()) {
        for (const auto& [output, name] : package.at("outPaths").items()) {
            names.push_back(name.get<std::string>());
        }
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    util::Sha256 h;
    for (const auto& n : names) {
        h.update(n);
        h.update("\n");
    }
    const std::string system = lock.at("system").get<std::string>();
    h.update(std::string("cudapkgs ") + CUDAPKGS_VERSION + "\n" + system + "\n");
    return "cudapkgs-v1-" + system + "-" + h.finish_hex();
}

} // namespace cudapkgs::lock
