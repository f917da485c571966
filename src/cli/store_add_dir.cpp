// SPDX-License-Identifier: Apache-2.0
#include "store_add_dir.hpp"

#include "context.hpp"
#include "output.hpp"

#include <cudapkgs/store/store.hpp>
#include <cudapkgs/store/tree_hash.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/hash.hpp>

#include <algorithm>

namespace cudapkgs::cli {

namespace fs = std::filesystem;

CLI::App* add_store_add_dir(CLI::App& store, AddDirArgs& args) {
    CLI::App* sub = store.add_subcommand("add-dir", "Commit a directory as a store path (tests)");
    sub->group(""); // hidden: a test helper, documented in docs/commands/store.md
    sub->fallthrough(true);
    sub->add_option("DIR", args.dir, "Directory to copy into the store")->required();
    sub->add_option("--name", args.name, "Name part of the store path, e.g. foo-1.0")->required();
    sub->add_option("--ref", args.references, "Referenced store path (repeatable)");
    return sub;
}

int run_store_add_dir(Session& session, const AddDirArgs& args, bool json) {
    store::Store& s = session.store();
    std::vector<storepath::StorePath> refs;
    for (const auto& r : args.references) {
        refs.push_back(s.parse_path_argument(r));
    }
    std::sort(refs.begin(), refs.end());
    store::TreeHash tree = store::hash_tree(args.dir);
    std::string key = "cudapkgs-add-dir:" + args.name + ":" + tree.hash;
    for (const auto& r : refs) {
        key += ":" + r.to_string();
    }
    util::Sha256 sha;
    sha.update(key);
    auto digest = sha.finish();
    auto path =
        storepath::StorePath::from_parts(util::compress_to_nix_base32(digest, 20), args.name);
    auto locks = s.lock_paths({path});
    if (!s.is_valid(path)) {
        store::BuildDir dir = s.make_build_dir();
        fs::copy(args.dir, dir.path(),
                 fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        s.commit(locks, {std::move(dir), path, refs, std::nullopt});
    }
    if (json) {
        print_json({{"path", s.to_absolute(path).string()}});
    } else {
        print_line(s.to_absolute(path).string());
    }
    return 0;
}

} // namespace cudapkgs::cli
