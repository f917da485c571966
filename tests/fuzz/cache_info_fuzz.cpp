// SPDX-License-Identifier: Apache-2.0
// Feeds arbitrary text to the binary cache metadata parser (remote, untrusted input): it
// either parses or throws Error{Integrity}; a parsed entry serialises and parses back to the
// same fingerprint, and never verifies against a key that signed nothing.
#include <cudapkgs/cache/cache_info.hpp>
#include <cudapkgs/util/error.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace cudapkgs;
    const std::string text(reinterpret_cast<const char*>(data), size);
    static const std::vector<cache::PublicKey> trusted = {cache::generate_key("fuzz").to_public()};
    try {
        cache::CacheInfo info = cache::parse_cache_info(text, "fuzz");
        cache::CacheInfo again = cache::parse_cache_info(cache::to_text(info), "fuzz-again");
        if (again.fingerprint() != info.fingerprint()) {
            std::abort();
        }
        if (cache::has_valid_signature(info, trusted)) {
            std::abort(); // a fresh key signed nothing
        }
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::Integrity) {
            std::abort();
        }
    }
    return 0;
}
