// SPDX-License-Identifier: Apache-2.0
#include <cudapkgs/manifest/mirror_layout.hpp>
#include <cudapkgs/pkgset/package.hpp>

namespace cudapkgs::pkgset {

std::string source_url(const Source& src, std::string_view mirror) {
    return src.url.empty() ? manifest::archive_url(mirror, src.base_path, src.relative_path)
                           : src.url;
}

} // namespace cudapkgs::pkgset
