// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/manifest/mirror_layout.hpp>

namespace cudapkgs::manifest {

std::vector<std::string> mirrors_or_default(std::vector<std::string> mirrors) {
    if (mirrors.empty()) {
        mirrors.emplace_back(kDefaultMirror);
    }
    return mirrors;
}

std::string product_dir(std::string_view product) {
    std::string out(product);
    out += "/redist";
    return out;
}

std::string archive_path(std::string_view base_path, std::string_view relative_path) {
    std::string out(base_path);
    out += '/';
    out += relative_path;
    return out;
}

std::string archive_url(std::string_view mirror, std::string_view base_path,
                        std::string_view relative_path) {
    std::string out(mirror);
    out += '/';
    out += archive_path(base_path, relative_path);
    return out;
}

} // namespace cudapkgs::manifest
