// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/config/config.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>
#include <cudapkgs/util/json_cursor.hpp>
#include <cudapkgs/util/json_locate.hpp>
#include <cudapkgs/util/spelling.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>

namespace cudapkgs::config {

using nlohmann::json;

namespace {

enum class Type { Bool, List, String };

struct OptionSpec {
    const char* name;
    Type type;
    bool Config::*flag = nullptr;
    std::vector<std::string> Config::*list = nullptr;
    std::string Config::*text = nullptr;
};

const std::vector<OptionSpec>& specs() {
    static const std::vector<OptionSpec> kSpecs = {
        {"allowUnfree", Type::Bool, &Config::allow_unfree},
        {"allowUnfreeLicenses", Type::List, nullptr, &Config::allow_unfree_licenses},
        {"cudaSupport", Type::Bool, &Config::cuda_support},
        {"cudaCapabilities", Type::List, nullptr, &Config::cuda_capabilities},
        {"cudaForwardCompat", Type::Bool, &Config::cuda_forward_compat},
        {"driverLibDir", Type::String, nullptr, nullptr, &Config::driver_lib_dir},
        {"overlays", Type::List, nullptr, &Config::overlays},
        {"allowUnsupportedCompiler", Type::Bool, &Config::allow_unsupported_compiler},
        // Binary cache settings keep Nix's names; camelCase spellings are accepted too.
        {"substituters", Type::List, nullptr, &Config::substituters},
        {"trusted-public-keys", Type::List, nullptr, &Config::trusted_public_keys},
        {"trustedPublicKeys", Type::List, nullptr, &Config::trusted_public_keys},
        {"secret-key-files", Type::List, nullptr, &Config::secret_key_files},
        {"secretKeyFiles", Type::List, nullptr, &Config::secret_key_files},
        {"require-sigs", Type::Bool, &Config::require_sigs},
        {"requireSigs", Type::Bool, &Config::require_sigs},
    };
    return kSpecs;
}

const OptionSpec& get_spec(const std::string& name) {
    for (const auto& s : specs()) {
        if (name == s.name) {
            return s;
        }
    }
    Error error(ErrorKind::InvalidInput, fmt::format("unknown option '{}'", name));
    if (auto guess = util::find_closest(name, option_names())) {
        error.add_note(fmt::format("did you mean '{}'?", *guess));
    }
    error.add_note(fmt::format("known options: {}", fmt::join(option_names(), ", ")));
    throw error;
}

std::string trim(std::string s) {
    auto first = s.find_first_not_of(" \t");
    auto last = s.find_last_not_of(" \t");
    return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
}

/// Assigns a JSON value to an option; returns an error text or empty on success.
std::string assign(Config& config, const OptionSpec& spec, const json& value) {
    switch (spec.type) {
    case Type::Bool:
        if (!value.is_boolean()) {
            return fmt::format("expected true or false, got {}", value.dump());
        }
        config.*spec.flag = value.get<bool>();
        return {};
    case Type::String:
        if (!value.is_string()) {
            return fmt::format("expected a string, got {}", value.dump());
        }
        config.*spec.text = value.get<std::string>();
        return {};
    case Type::List:
        if (!value.is_array()) {
            return fmt::format("expected a list of strings, got {}", value.dump());
        }
        std::vector<std::string> items;
        for (const auto& item : value) {
            if (!item.is_string()) {
                return fmt::format("expected a list of strings, got element {}", item.dump());
            }
            items.push_back(item.get<std::string>());
        }
        config.*spec.list = std::move(items);
        return {};
    }
    return "unsupported option type";
}

} // namespace

const std::vector<std::string>& option_names() {
    static const std::vector<std::string> kNames = [] {
        std::vector<std::string> names;
        for (const auto& s : specs()) {
            names.emplace_back(s.name);
        }
        return names;
    }();
    return kNames;
}

void set_option(Config& config, const std::string& name, const std::string& value) {
    const OptionSpec& spec = get_spec(name);
    json parsed;
    const std::string text = trim(value);
    if (spec.type == Type::Bool) {
        parsed = text == "true" ? json(true) : text == "false" ? json(false) : json(text);
    } else if (spec.type == Type::String) {
        parsed = text;
    } else if (text.starts_with("[")) {
        try {
            parsed = json::parse(text);
        } catch (const json::exception&) {
            fail(ErrorKind::InvalidInput, "--option {}: '{}' is not a JSON list", name, value);
        }
    } else {
        parsed = json::array();
        std::size_t start = 0;
        while (start <= text.size() && !text.empty()) {
            std::size_t comma = text.find(',', start);
            std::string item = trim(text.substr(start, comma - start));
            if (!item.empty()) {
                parsed.push_back(item);
            }
            if (comma == std::string::npos) {
                break;
            }
            start = comma + 1;
        }
    }
    if (auto problem = assign(config, spec, parsed); !problem.empty()) {
        fail(ErrorKind::InvalidInput, "--option {}: {}", name, problem);
    }
}

Config parse_config(const std::string& text, const std::string& path, Config base) {
    json doc = util::parse_json_text(text, path);
    if (!doc.is_object()) {
        throw Error(ErrorKind::InvalidInput, "the config file must be a JSON object", path);
    }
    for (const auto& [key, value] : doc.items()) {
        const std::string origin = util::json_origin(path, text, {key});
        try {
            const OptionSpec& spec = get_spec(key);
            if (auto problem = assign(base, spec, value); !problem.empty()) {
                throw Error(ErrorKind::InvalidInput, fmt::format("key '{}': {}", key, problem),
                            origin);
            }
        } catch (Error& e) {
            if (e.origin().empty()) {
                e.set_origin(origin);
            }
            throw;
        }
    }
    return base;
}

Config load_config(const ConfigSources& sources) {
    Config config;
    if (sources.file) {
        config = parse_config(util::read_file(*sources.file), *sources.file, config);
    } else if (sources.default_file && std::filesystem::exists(*sources.default_file)) {
        config =
            parse_config(util::read_file(*sources.default_file), *sources.default_file, config);
    }
    if (sources.env_allow_unfree) {
        config.allow_unfree = true;
    }
    for (const auto& [name, value] : sources.options) {
        set_option(config, name, value);
    }
    return config;
}

} // namespace cudapkgs::config
