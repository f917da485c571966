// SPDX-License-Identifier: Apache-2.0
// `cudapkgs cdi generate|list`: a Container Device Interface spec for the host's NVIDIA GPUs.
#include "commands.hpp"
#include "output.hpp"

#include <cudapkgs/cdi/discovery.hpp>
#include <cudapkgs/cdi/spec.hpp>
#include <cudapkgs/util/error.hpp>
#include <cudapkgs/util/file.hpp>

#include <spdlog/spdlog.h>

#include <memory>

namespace cudapkgs::cli {

namespace {

namespace fs = std::filesystem;

struct CdiOptions {
    std::string output;
    std::string format = "json";
    std::string naming = "index";
    std::string dev_root = "/";
    std::string driver_root = "/";
    bool no_ldconfig_hook = false;
    bool no_nvml = false;
    std::string spec = std::string(cdi::kDefaultSpecPath);
};

nlohmann::json gpus_json(const cdi::Discovery& found) {
    nlohmann::json gpus = nlohmann::json::array();
    for (const auto& gpu : found.gpus) {
        gpus.push_back({{"index", gpu.index},
                        {"uuid", gpu.uuid},
                        {"minor", gpu.minor},
                        {"pciBusId", gpu.pci_bus_id},
                        {"model", gpu.model},
                        {"deviceNode", gpu.node.host_path.string()}});
    }
    return gpus;
}

void write_spec(const std::string& output, const std::string& text) {
    fs::path path(output);
    if (path.has_parent_path()) {
        std::error_code ec;
        fs::create_directories(path.parent_path(), ec);
        if (ec) {
            fail(ErrorKind::InvalidInput, "cannot create directory {}: {}",
                 path.parent_path().string(), ec.message());
        }
    }
    util::write_file_atomic(path, text);
}

int run_generate(const CdiOptions& o, const GlobalOptions& global) {
    if (o.format != "json" && o.format != "yaml") {
        fail(ErrorKind::Usage, "unknown --format '{}' (expected json or yaml)", o.format);
    }
    cdi::SpecOptions spec_options{cdi::parse_name_strategy(o.naming), !o.no_ldconfig_hook};
    cdi::Discovery found = cdi::discover({o.dev_root, o.driver_root, !o.no_nvml});
    for (const auto& warning : found.warnings) {
        spdlog::warn("{}", warning);
    }
    cdi::Json spec = cdi::make_spec(found, spec_options);
    std::string text = o.format == "yaml" ? cdi::to_yaml(spec) : spec.dump(2) + "\n";
    if (o.output == "-") {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return 0;
    }
    std::string output = o.output;
    if (output.empty()) {
        output = fs::path(cdi::kDefaultSpecPath).replace_extension("." + o.format).string();
    }
    write_spec(output, text);
    auto names = cdi::device_names(spec);
    spdlog::info("wrote {} ({} GPU(s) from {}, driver {})", output, found.gpus.size(),
                 cdi::to_string(found.gpu_source),
                 found.driver_version.empty() ? "version unknown" : found.driver_version);
    if (global.json) {
        print_json({{"output", output},
                    {"format", o.format},
                    {"cdiVersion", cdi::kCdiVersion},
                    {"kind", cdi::kKind},
                    {"driverVersion", found.driver_version},
                    {"gpuSource", cdi::to_string(found.gpu_source)},
                    {"devices", names},
                    {"gpus", gpus_json(found)},
                    {"mounts", spec["containerEdits"]["mounts"].size()},
                    {"warnings", found.warnings}});
    } else {
        for (const auto& name : names) {
            print_line(name);
        }
    }
    return 0;
}

int run_list(const CdiOptions& o, const GlobalOptions& global) {
    cdi::Json spec = cdi::load_spec(o.spec);
    auto names = cdi::device_names(spec);
    if (global.json) {
        print_json({{"spec", o.spec},
                    {"cdiVersion", spec["cdiVersion"].get<std::string>()},
                    {"kind", spec["kind"].get<std::string>()},
                    {"devices", names}});
    } else {
        for (const auto& name : names) {
            print_line(name);
        }
    }
    return 0;
}

} // namespace

RunFn setup_cdi(CLI::App& cmd, Session& session) {
    const GlobalOptions& global = session.global();
    auto o = std::make_shared<CdiOptions>();
    cmd.require_subcommand(1);
    CLI::App* gen = cmd.add_subcommand("generate", "Detect GPUs and the driver; write a CDI spec");
    gen->add_option("-o,--output", o->output,
                    "Spec file, '-' for stdout (default /var/run/cdi/nvidia-container-toolkit."
                    "json, or .yaml with --format yaml)");
    gen->add_option("--format", o->format, "json or yaml (default json)");
    gen->add_option("--device-name-strategy", o->naming,
                    "Name devices by 'index' (nvidia.com/gpu=0) or 'uuid' (default index)");
    gen->add_option("--dev-root", o->dev_root, "Root holding dev/ (default /)");
    gen->add_option("--driver-root", o->driver_root,
                    "Root holding the driver's lib and bin directories (default /)");
    gen->add_flag("--no-ldconfig-hook", o->no_ldconfig_hook,
                  "Leave out the hook that runs the image's /sbin/ldconfig");
    gen->add_flag("--no-nvml", o->no_nvml, "Read GPUs from /proc/driver/nvidia instead of NVML");
    gen->footer("\nExample:\n  sudo cudapkgs cdi generate --device-name-strategy uuid\n");
    CLI::App* list = cmd.add_subcommand("list", "Print the device names a CDI spec offers");
    list->add_option("--spec", o->spec,
                     "JSON spec file (default /var/run/cdi/nvidia-container-toolkit.json)");
    list->footer("\nExample:\n  cudapkgs cdi list --spec /etc/cdi/nvidia.json\n");
    return [o, gen, &global] {
        return gen->parsed() ? run_generate(*o, global) : run_list(*o, global);
    };
}

} // namespace cudapkgs::cli
