// SPDX-License-Identifier: Apache-2.0
#include "support.hpp"

#include <cudapkgs/util/file.hpp>

#include <cstdlib>
#include <fstream>

namespace cudapkgs::test {

const pkgset::Catalog& shipped_catalog() {
    static const pkgset::Catalog catalog(manifest::load_manifest_dirs({source_dir() / "manifests"}),
                                         fixups::FixupSet::load({source_dir() / "fixups"}));
    return catalog;
}

std::unique_ptr<pkgset::Evaluator> make_evaluator(config::Config config, std::string system) {
    return std::make_unique<pkgset::Evaluator>(
        shipped_catalog(), pkgset::Instance{std::move(config), std::move(system), {}, {}},
        pkgset::EvalSettings{});
}

nlohmann::json eval_in_store(pkgset::Evaluator& evaluator, std::string_view attrpath,
                             const std::filesystem::path& store_dir) {
    return evaluator.evaluate(attrpath).render([&](const storepath::StorePath& path) {
        return storepath::absolute_in(store_dir, path).string();
    });
}

bool matches_golden(const std::string& name, const std::string& actual) {
    const auto path = test_data() / name;
    const char* accept = std::getenv("CUDAPKGS_TEST_ACCEPT");
    if (accept != nullptr && std::string(accept) == "1") {
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << actual;
        return true;
    }
    return util::read_file(path) == actual;
}

} // namespace cudapkgs::test
