// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cudapkgs::config {

/// The user's configuration, merged from the config file, the environment and `--option`
/// (in that order; later wins). Immutable once loaded.
struct Config {
    bool allow_unfree = false;
    std::vector<std::string> allow_unfree_licenses; ///< licence short names
    bool cuda_support = true;
    std::vector<std::string> cuda_capabilities; ///< empty = the set's defaults
    bool cuda_forward_compat = true;
    std::string driver_lib_dir;
    std::vector<std::string> overlays;
    bool allow_unsupported_compiler = false;
    std::vector<std::string> substituters;        ///< binary cache URLs, tried in order
    std::vector<std::string> trusted_public_keys; ///< `NAME:base64` ed25519 keys
    std::vector<std::string> secret_key_files;    ///< signing keys for `cache push`
    bool require_sigs = true; ///< refuse cache entries without a trusted signature
};

/// Where configuration comes from.
struct ConfigSources {
    std::optional<std::string> file;         ///< --config or CUDAPKGS_CONFIG: must exist
    std::optional<std::string> default_file; ///< $XDG_CONFIG_HOME/cudapkgs/config.json: optional
    bool env_allow_unfree = false;           ///< CUDAPKGS_ALLOW_UNFREE=1
    std::vector<std::pair<std::string, std::string>> options; ///< --option NAME VALUE
};

/// The option names accepted in the config file and by --option.
const std::vector<std::string>& option_names();

/// Sets one option from its command-line text: booleans are true/false, lists a JSON array or
/// a comma-separated list. Throws Error{InvalidInput} naming the option (with "did you mean").
void set_option(Config& config, const std::string& name, const std::string& value);

/// Parses a config file's JSON text; throws Error{InvalidInput} with `file:line:col`.
Config parse_config(const std::string& text, const std::string& path, Config base = {});

/// Merges every source into a Config.
Config load_config(const ConfigSources& sources);

} // namespace cudapkgs::config
