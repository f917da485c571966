// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/pkgset/derivation.hpp>
#include <cudapkgs/pkgset/plan.hpp>
#include <cudapkgs/pkgset/recipe.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/hash.hpp>
#include <cudapkgs/util/json_dump.hpp>

#include <algorithm>

namespace cudapkgs::pkgset {

using nlohmann::json;

storepath::StorePath store_path_name(const std::string& derivation_hash, const Package& package,
                                     const std::string& output) {
    util::Sha256 h;
    h.update("cudapkgs-output:");
    h.update(derivation_hash);
    h.update(":");
    h.update(output);
    auto digest = h.finish();
    std::string name = package.pname + "-" + package.version;
    if (output != "out") {
        name += "-" + output;
    }
    return storepath::StorePath::from_parts(util::compress_to_nix_base32(digest, 20), name);
}

json outputs_json(const std::map<std::string, storepath::StorePath>& outputs) {
    json out = json::object();
    for (const auto& [output, path] : outputs) {
        out[output] = path.to_string();
    }
    return out;
}

const Derivation& DerivationBuilder::get(const Package& package) {
    if (auto it = m_done.find(package.attr); it != m_done.end()) {
        return it->second;
    }
    if (auto it = m_shared->find(package.attr); it != m_shared->end()) {
        return it->second;
    }
    if (std::find(m_stack.begin(), m_stack.end(), package.attr) != m_stack.end()) {
        m_stack.clear(); // the frames below unwind without popping
        fail(ErrorKind::InvalidInput, "dependency cycle in {} through '{}'", m_set->name(),
             package.attr);
    }
    m_stack.push_back(package.attr);
    if (!package.available()) {
        std::vector<std::string> chain = m_stack;
        m_stack.clear();
        throw unavailable_in_chain(*m_set, chain, package);
    }
    json deps = json::object();
    bool dependent = package.recipe != nullptr;
    for (const auto& dep_name : package.dependencies) {
        const Package* dep = m_set->find(dep_name);
        if (dep == nullptr) {
            std::vector<std::string> chain = m_stack;
            chain.push_back(dep_name);
            m_stack.clear();
            throw missing_in_chain(*m_set, chain);
        }
        const Derivation& d = get(*dep);
        deps[dep_name] = outputs_json(d.outputs);
        dependent = dependent || d.capability_dependent;
    }
    m_stack.pop_back();

    Derivation drv;
    json src = nullptr;
    if (package.src && !package.src->url.empty()) {
        src = {{"url", package.src->url},
               {"sha256", package.src->sha256},
               {"size", package.src->size}};
    } else if (package.src) {
        // The mirror is not an input: the same archive from any mirror is the same input.
        src = {{"product", package.src->product},
               {"relativePath", package.src->relative_path},
               {"sha256", package.src->sha256},
               {"size", package.src->size}};
    }
    drv.inputs = {{"builder", kBuilderVersion},
                  {"pname", package.pname},
                  {"version", package.version},
                  {"system", m_set->instance().system},
                  {"outputs", package.outputs},
                  {"src", src},
                  {"dependencies", deps},
                  {"fixup",
                   {{"build", fixups::to_json(package.build)},
                    {"ignoreMissing", package.ignore_missing},
                    {"systemLibraries", package.system_libraries}}}};
    if (package.recipe) {
        // Built with nvcc: the recipe, its sources and the device-code settings are inputs.
        const auto flags = m_set->flags();
        json recipe = package.recipe->to_json();
        recipe.erase("src");
        drv.inputs["source"] = {{"recipe", recipe}, {"hash", package.recipe_hash}};
        drv.inputs["cudaCapabilities"] = m_set->capabilities();
        drv.inputs["cudaForwardCompat"] = flags.forward_compat;
        drv.inputs["hostCompiler"] = m_host_compiler;
    }
    drv.capability_dependent = dependent;
    drv.hash = util::sha256_hex(util::dump_compact(drv.inputs));
    for (const auto& output : package.outputs) {
        drv.outputs.emplace(output, store_path_name(drv.hash, package, output));
    }
    auto& memo = dependent ? m_done : *m_shared;
    return memo.emplace(package.attr, std::move(drv)).first->second;
}

} // namespace cudapkgs::pkgset
