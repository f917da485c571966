// SPDX-License-Identifier: Apache-2.0
#include "build_support.hpp"
#include "commands.hpp"
#include "output.hpp"

#include <cudapkgs/builder/features.hpp>
#include <cudapkgs/util/error.hpp>

namespace cudapkgs::cli {

namespace fs = std::filesystem;

RunFn setup_features(CLI::App& cmd, Session& session) {
    auto arg = std::make_shared<std::string>();
    cmd.add_option("ARCHIVE|ATTRPATH", *arg,
                   "A redistributable archive, or a package whose archive is fetched")
        ->required();
    return [arg, &session] {
        std::error_code ec;
        if (fs::is_regular_file(*arg, ec)) {
            print_json(builder::features_of_archive(*arg), true);
            return 0;
        }
        BuildSession build(session, {*arg}, "auto");
        auto target = build.targets({*arg}).front();
        const auto& p = *target.package;
        if (!p.src) {
            fail(ErrorKind::InvalidInput, "'{}' has no archive to inspect", target.attrpath);
        }
        fs::path archive = build.builder->fetch_source(target);
        nlohmann::json out;
        out[p.pname][p.src->platform]["outputs"] = builder::features_of_archive(archive);
        print_json(out, true);
        return 0;
    };
}

} // namespace cudapkgs::cli
