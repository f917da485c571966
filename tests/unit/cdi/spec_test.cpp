// SPDX-License-Identifier: Apache-2.0
#include "cdi/fake_tree.hpp"

#include <cudapkgs/cdi/spec.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace cudapkgs;
using namespace cudapkgs::cdi;
using cudapkgs::cdi::test::FakeTree;

namespace {

const std::filesystem::path kData = std::filesystem::path(CUDAPKGS_TEST_DATA) / "cdi";

/// The spec text with the temp root replaced by @ROOT@, so golden files are stable.
std::string normalised(const Json& spec, const std::filesystem::path& root) {
    std::string text = spec.dump(2) + "\n";
    const std::string from = root.string();
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
        text.replace(at, from.size(), "@ROOT@");
    }
    return text;
}

/// Compares with tests/data/cdi/<name>; CUDAPKGS_TEST_ACCEPT=1 rewrites the file instead.
void check_golden(const std::string& name, const std::string& actual) {
    auto path = kData / name;
    const char* accept = std::getenv("CUDAPKGS_TEST_ACCEPT");
    if (accept != nullptr && std::string(accept) == "1") {
        util::write_file_atomic(path, actual);
    }
    REQUIRE(std::filesystem::exists(path));
    CHECK(util::read_file(path) == actual);
}

Json fake_spec(const FakeTree& tree, NameStrategy naming) {
    Discovery found = discover({tree.root(), tree.root(), true});
    return make_spec(found, {naming, true});
}

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
    for (const auto& p : problems) {
        if (p.find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

} // namespace

TEST_CASE("index naming matches the golden spec and the schema", "[cdi]") {
    FakeTree tree;
    tree.populate();
    Json spec = fake_spec(tree, NameStrategy::Index);
    CHECK(validate_spec(spec).empty());
    CHECK(device_names(spec) ==
          std::vector<std::string>{"nvidia.com/gpu=0", "nvidia.com/gpu=1", "nvidia.com/gpu=all"});
    check_golden("spec-index.json", normalised(spec, tree.root()));
}

TEST_CASE("uuid naming matches the golden spec and the schema", "[cdi]") {
    FakeTree tree;
    tree.populate();
    Json spec = fake_spec(tree, NameStrategy::Uuid);
    CHECK(validate_spec(spec).empty());
    CHECK(device_names(spec).front() == "nvidia.com/gpu=GPU-11111111-2222-3333-4444-555555555555");
    check_golden("spec-uuid.json", normalised(spec, tree.root()));
}

TEST_CASE("the checked-in golden specs are valid CDI", "[cdi]") {
    for (const char* name : {"spec-index.json", "spec-uuid.json"}) {
        std::string text = util::read_file(kData / name);
        for (auto at = text.find("@ROOT@"); at != std::string::npos; at = text.find("@ROOT@")) {
            text.replace(at, 6, "/srv/fake-root");
        }
        Json spec = Json::parse(text);
        CHECK(validate_spec(spec).empty());
        CHECK(spec["cdiVersion"] == "0.5.0");
        CHECK(spec["devices"].back()["name"] == "all");
    }
}

TEST_CASE("the spec's edits point at the tree's files", "[cdi]") {
    FakeTree tree;
    tree.populate();
    Json spec = fake_spec(tree, NameStrategy::Index);
    for (const auto& device : spec["devices"]) {
        for (const auto& node : device["containerEdits"]["deviceNodes"]) {
            CHECK(std::filesystem::exists(node["hostPath"].get<std::string>()));
            CHECK((tree.root() / node["path"].get<std::string>().substr(1)).string() ==
                  node["hostPath"].get<std::string>());
        }
    }
    for (const auto& mount : spec["containerEdits"]["mounts"]) {
        CHECK(std::filesystem::exists(mount["hostPath"].get<std::string>()));
        CHECK(mount["options"] == Json::array({"ro", "nosuid", "nodev", "bind"}));
    }
    const Json& hook = spec["containerEdits"]["hooks"][0];
    CHECK(hook["hookName"] == "startContainer");
    CHECK(hook["args"] ==
          Json::array({"/sbin/ldconfig", "/usr/lib/x86_64-linux-gnu", "/usr/local/nvidia/lib64"}));
    Json without =
        make_spec(discover({tree.root(), tree.root(), true}), {NameStrategy::Index, false});
    CHECK_FALSE(without["containerEdits"].contains("hooks"));
}

TEST_CASE("uuid naming needs UUIDs", "[cdi]") {
    FakeTree tree;
    tree.populate();
    tree.remove("proc");
    Discovery found = discover({tree.root(), tree.root(), true});
    CHECK(make_spec(found, {NameStrategy::Index, true})["devices"].size() == 3);
    CHECK_THROWS_WITH(make_spec(found, {NameStrategy::Uuid, true}),
                      Catch::Contains("no known UUID"));
}

TEST_CASE("name strategies parse", "[cdi]") {
    CHECK(parse_name_strategy("index") == NameStrategy::Index);
    CHECK(parse_name_strategy("uuid") == NameStrategy::Uuid);
    CHECK_THROWS_AS(parse_name_strategy("UUID"), Error);
}

TEST_CASE("validate_spec reports each schema violation", "[cdi]") {
    const Json good = Json::parse(R"({"cdiVersion":"0.5.0","kind":"nvidia.com/gpu",
        "devices":[{"name":"0","containerEdits":{"deviceNodes":[{"path":"/dev/nvidia0"}]}}],
        "containerEdits":{"mounts":[{"hostPath":"/a","containerPath":"/a","options":["ro"]}],
          "hooks":[{"hookName":"startContainer","path":"/sbin/ldconfig","args":["x"]}]}})");
    REQUIRE(validate_spec(good).empty());
    auto with = [&](const char* pointer, Json value) {
        Json spec = good;
        spec[Json::json_pointer(pointer)] = std::move(value);
        return validate_spec(spec);
    };
    CHECK(mentions(with("/cdiVersion", 5), "/cdiVersion"));
    CHECK(mentions(with("/cdiVersion", "latest"), "/cdiVersion"));
    for (const char* kind : {"gpu", "nvidia.com/gpu/x", "nvidia.com/", "-v.com/gpu", "v/gpu-"}) {
        CHECK(mentions(with("/kind", kind), "/kind"));
    }
    CHECK(with("/kind", "foo.bar.baz/foo-bar123.B_az").empty());
    CHECK(mentions(with("/devices", Json::array()), "non-empty"));
    CHECK(mentions(with("/devices/0/name", "-0"), "not a valid device name"));
    CHECK(mentions(with("/devices/0/name", "a b"), "not a valid device name"));
    CHECK(mentions(with("/devices/0/name", "gpu-"), "not a valid device name"));
    CHECK(with("/devices/0/name", "GPU-1a:2_b.c").empty());
    CHECK(mentions(with("/devices/1", good["devices"][0]), "duplicate device name"));
    CHECK(mentions(with("/devices/0/containerEdits/deviceNodes/0/path", "dev/x"), "absolute"));
    CHECK(mentions(with("/devices/0/containerEdits/deviceNodes/0/uid", -1), "/uid"));
    CHECK(mentions(with("/containerEdits/mounts/0/options", "ro"), "array of strings"));
    CHECK(mentions(with("/containerEdits/hooks/0/hookName", "afterStart"), "OCI hook name"));
    CHECK(mentions(with("/containerEdits/hooks/0/timeout", "5"), "/timeout"));
    CHECK(mentions(with("/containerEdits/extra", 1), "unknown key 'extra'"));
    CHECK(mentions(with("/vendor", "x"), "unknown key 'vendor'"));

    Json missing = good;
    missing.erase("kind");
    missing["devices"][0].erase("containerEdits");
    missing["containerEdits"]["mounts"][0].erase("containerPath");
    auto problems = validate_spec(missing);
    CHECK(mentions(problems, "/: missing required key 'kind'"));
    CHECK(mentions(problems, "/devices/0: missing required key 'containerEdits'"));
    CHECK(mentions(problems, "/containerEdits/mounts/0: missing required key 'containerPath'"));
}

TEST_CASE("load_spec rejects YAML and invalid specs with the file named", "[cdi]") {
    FakeTree tree;
    tree.file("spec.yaml", "cdiVersion: \"0.5.0\"\n");
    try {
        load_spec(tree.root() / "spec.yaml");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::InvalidInput);
        CHECK(e.origin() == (tree.root() / "spec.yaml").string());
        REQUIRE(e.notes().size() == 1);
        CHECK_THAT(e.notes()[0], Catch::Contains("JSON specs only"));
    }
    tree.file("bad.json", R"({"cdiVersion":"0.5.0","kind":"gpu","devices":[]})");
    CHECK_THROWS_WITH(load_spec(tree.root() / "bad.json"), Catch::Contains("not a valid CDI spec"));
}

TEST_CASE("to_yaml writes block YAML with JSON scalars", "[cdi]") {
    Json value = Json::parse(R"({"kind":"nvidia.com/gpu","on":true,"n":1.5,"my key":null,
        "list":["a",["b","c"],{"x":[],"y":{}}],"empty":[],"quote":"say \"hi\"\n"})");
    CHECK(to_yaml(value) == "kind: \"nvidia.com/gpu\"\n"
                            "\"on\": true\n"
                            "\"n\": 1.5\n"
                            "\"my key\": null\n"
                            "list:\n"
                            "  - \"a\"\n"
                            "  - - \"b\"\n"
                            "    - \"c\"\n"
                            "  - x: []\n"
                            "    \"y\": {}\n"
                            "empty: []\n"
                            "quote: \"say \\\"hi\\\"\\n\"\n");
    CHECK(to_yaml(Json("x")) == "\"x\"\n");
}
