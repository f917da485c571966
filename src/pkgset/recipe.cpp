// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/pkgset/recipe.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>
#include <cudapkgs/util/json_cursor.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace cudapkgs::pkgset {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

[[noreturn]] void bad(const std::string& origin, const std::string& message) {
    throw Error(ErrorKind::InvalidInput, "source package recipe: " + message, origin);
}

void only_keys(const json& object, std::initializer_list<std::string_view> allowed,
               const std::string& where, const std::string& origin) {
    for (const auto& [key, value] : object.items()) {
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            bad(origin, fmt::format("unknown key '{}' in {}", key, where));
        }
    }
}

std::string get_string(const json& object, const char* key, const std::string& origin,
                       bool required) {
    auto it = object.find(key);
    if (it == object.end()) {
        if (required) {
            bad(origin, fmt::format("missing '{}'", key));
        }
        return {};
    }
    if (!it->is_string() || (required && it->get<std::string>().empty())) {
        bad(origin, fmt::format("'{}' must be a non-empty string", key));
    }
    return it->get<std::string>();
}

std::vector<std::string> get_strings(const json& object, const char* key,
                                     const std::string& origin) {
    auto it = object.find(key);
    if (it == object.end()) {
        return {};
    }
    if (!it->is_array() ||
        !std::all_of(it->begin(), it->end(), [](const json& v) { return v.is_string(); })) {
        bad(origin, fmt::format("'{}' must be a list of strings", key));
    }
    return it->get<std::vector<std::string>>();
}

void parse_src(SourceRecipe& r, const json& doc, const fs::path& base_dir,
               const std::string& origin) {
    const json src = doc.value("src", json{{"path", "."}});
    if (!src.is_object()) {
        bad(origin, "'src' must be an object: {\"path\": DIR} or {\"url\": URL, \"sha256\": HEX}");
    }
    only_keys(src, {"path", "url", "sha256"}, "src", origin);
    if (src.contains("url")) {
        r.src_url = get_string(src, "url", origin, true);
        r.src_sha256 = get_string(src, "sha256", origin, true);
        return;
    }
    r.src_path = (base_dir / get_string(src, "path", origin, true)).lexically_normal();
    if (r.src_path.filename().empty()) {
        r.src_path = r.src_path.parent_path(); // "dir/." normalises to "dir/"
    }
}

void parse_build(SourceRecipe& r, const json& doc, const std::string& origin) {
    auto it = doc.find("build");
    if (it == doc.end() || !it->is_object()) {
        bad(origin, "missing 'build' object");
    }
    const json& build = *it;
    only_keys(build, {"kind", "sources", "link", "output", "nvccFlags", "cmakeFlags"}, "build",
              origin);
    const std::string kind = get_string(build, "kind", origin, true);
    if (kind == "nvcc") {
        r.kind = BuildKind::Nvcc;
        r.sources = get_strings(build, "sources", origin);
        r.link = get_strings(build, "link", origin);
        r.extra_flags = get_strings(build, "nvccFlags", origin);
        r.output_name = get_string(build, "output", origin, false);
        if (r.output_name.empty()) {
            r.output_name = r.pname;
        }
        if (r.sources.empty()) {
            bad(origin, "an nvcc build needs 'build.sources'");
        }
    } else if (kind == "cmake") {
        r.kind = BuildKind::Cmake;
        r.extra_flags = get_strings(build, "cmakeFlags", origin);
    } else {
        bad(origin, fmt::format("unknown build kind '{}' (want nvcc or cmake)", kind));
    }
}

void parse_conditional(SourceRecipe& r, const json& doc, const std::string& origin) {
    auto it = doc.find("conditionalDependencies");
    if (it == doc.end()) {
        return;
    }
    if (!it->is_array()) {
        bad(origin, "'conditionalDependencies' must be a list");
    }
    for (const auto& entry : *it) {
        if (!entry.is_object()) {
            bad(origin, "each conditionalDependencies entry must be an object");
        }
        only_keys(entry, {"cuda", "dependencies"}, "conditionalDependencies", origin);
        ConditionalDependencies c;
        c.cuda = version::VersionRange::parse(get_string(entry, "cuda", origin, true));
        c.dependencies = get_strings(entry, "dependencies", origin);
        r.conditional_dependencies.push_back(std::move(c));
    }
}

} // namespace

std::vector<Tester> parse_testers(const json& testers, const std::string& origin) {
    if (!testers.is_array()) {
        bad(origin, "'testers' must be a list");
    }
    std::vector<Tester> out;
    for (const auto& t : testers) {
        if (!t.is_object()) {
            bad(origin, "each tester must be an object");
        }
        only_keys(t, {"run", "expectOutput", "expectExit", "timeout"}, "a tester", origin);
        Tester tester;
        tester.run = get_strings(t, "run", origin);
        if (tester.run.empty()) {
            bad(origin, "a tester needs a non-empty 'run' list");
        }
        tester.expect_output = get_string(t, "expectOutput", origin, false);
        auto exit_it = t.find("expectExit");
        if (exit_it != t.end() && !exit_it->is_number_integer()) {
            bad(origin, "'expectExit' must be an integer");
        }
        tester.expect_exit = t.value("expectExit", 0);
        tester.timeout_seconds = t.value("timeout", 120.0);
        out.push_back(std::move(tester));
    }
    return out;
}

SourceRecipe parse_source_recipe(const json& doc, const fs::path& base_dir,
                                 const std::string& origin) {
    if (!doc.is_object()) {
        bad(origin, "the recipe must be a JSON object");
    }
    only_keys(doc,
              {"pname", "version", "description", "license", "src", "build", "dependencies",
               "conditionalDependencies", "testers", "mainProgram", "platforms"},
              "the recipe", origin);
    SourceRecipe r;
    r.pname = get_string(doc, "pname", origin, true);
    r.version = get_string(doc, "version", origin, true);
    r.description = get_string(doc, "description", origin, false);
    const json license = doc.value("license", json::object());
    if (!license.is_object()) {
        bad(origin, "'license' must be {\"shortName\": …, \"free\": …}");
    }
    r.license_short_name = license.value("shortName", std::string("unknown"));
    r.license_free = license.value("free", false);
    parse_src(r, doc, base_dir, origin);
    parse_build(r, doc, origin);
    r.dependencies = get_strings(doc, "dependencies", origin);
    parse_conditional(r, doc, origin);
    r.testers = parse_testers(doc.value("testers", json::array()), origin);
    r.main_program = get_string(doc, "mainProgram", origin, false);
    r.platforms = get_strings(doc, "platforms", origin);
    if (r.platforms.empty()) {
        r.platforms = {"x86_64-linux", "aarch64-linux"};
    }
    return r;
}

SourceRecipe load_source_recipe(const fs::path& path) {
    const fs::path file = fs::is_directory(path) ? path / "package.json" : path;
    const std::string text = util::read_file(file);
    json doc = util::parse_json_text(text, file.string());
    return parse_source_recipe(doc, fs::absolute(file).parent_path(), file.string());
}

std::vector<SourceRecipe> load_source_recipes(const fs::path& dir) {
    std::vector<SourceRecipe> out;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.is_directory() && fs::exists(entry.path() / "package.json")) {
            out.push_back(load_source_recipe(entry.path()));
        }
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.pname < b.pname; });
    return out;
}

std::vector<std::string> SourceRecipe::dependencies_for(const version::Version& cuda) const {
    std::vector<std::string> out;
    std::set<std::string> seen;
    auto add = [&](const std::vector<std::string>& names) {
        for (const auto& n : names) {
            if (seen.insert(n).second) {
                out.push_back(n);
            }
        }
    };
    add(dependencies);
    for (const auto& c : conditional_dependencies) {
        if (c.cuda.contains(cuda)) {
            add(c.dependencies);
        }
    }
    return out;
}

json SourceRecipe::to_json() const {
    json testers_json = json::array();
    for (const auto& t : testers) {
        testers_json.push_back(
            {{"run", t.run}, {"expectOutput", t.expect_output}, {"expectExit", t.expect_exit}});
    }
    json build{{"kind", kind == BuildKind::Nvcc ? "nvcc" : "cmake"}};
    if (kind == BuildKind::Nvcc) {
        build["sources"] = sources;
        build["link"] = link;
        build["output"] = output_name;
    }
    json src = src_url.empty() ? json{{"path", src_path.string()}}
                               : json{{"url", src_url}, {"sha256", src_sha256}};
    return {{"pname", pname},
            {"version", version},
            {"license", {{"shortName", license_short_name}, {"free", license_free}}},
            {"src", src},
            {"build", build},
            {"dependencies", dependencies},
            {"testers", testers_json},
            {"mainProgram", main_program},
            {"platforms", platforms}};
}

} // namespace cudapkgs::pkgset
