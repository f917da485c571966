// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for every JSON input format cudapkgs parses: NVIDIA manifests, feature
// manifests, sets.json, fixup rules, overlays and config files. Each must either parse or
// throw cudapkgs::Error{InvalidInput}; anything else (another exception, a crash, a sanitizer
// report) is a finding.
#include <cudapkgs/config/config.hpp>
#include <cudapkgs/fixups/fixup.hpp>
#include <cudapkgs/manifest/manifest.hpp>
#include <cudapkgs/pkgset/overlay.hpp>
#include <cudapkgs/util/error.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

template <typename F> void expect_clean(F&& parse) {
    try {
        parse();
    } catch (const cudapkgs::Error& e) {
        if (e.kind() != cudapkgs::ErrorKind::InvalidInput) {
            std::abort();
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    using namespace cudapkgs;
    expect_clean([&] { manifest::parse_manifest(text, "fuzz.json", "cuda", "1.0"); });
    expect_clean([&] { manifest::parse_feature_manifest(text, "fuzz.json", "cuda", "1.0"); });
    expect_clean([&] { manifest::parse_set_pins(text, "sets.json"); });
    expect_clean([&] { pkgset::parse_overlay(text, "overlay.json"); });
    expect_clean([&] { config::parse_config(text, "config.json"); });
    expect_clean([&] {
        auto doc = nlohmann::json::parse(text, nullptr, false);
        if (!doc.is_discarded()) {
            fixups::parse_rules(doc.is_object() ? doc.value("rules", doc) : doc, "fixup.json", text,
                                {"rules"});
        }
    });
    return 0;
}
