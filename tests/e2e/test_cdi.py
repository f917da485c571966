#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""End-to-end: `cudapkgs cdi generate|list` against a fake device/driver tree."""
import json
import os
import re
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

BIN = os.environ.get("CUDAPKGS_BIN", "cudapkgs")
UUIDS = ["GPU-11111111-2222-3333-4444-555555555555", "GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"]
NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.:-]*[A-Za-z0-9])?$")
KIND_RE = re.compile(r"^[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9])?/[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9])?$")


def write(root, rel, content="x\n"):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(content)


def make_tree(root):
    for node in ["nvidia0", "nvidia1", "nvidiactl", "nvidia-uvm", "nvidia-uvm-tools"]:
        write(root, "dev/" + node, "")
    for bus, minor, uuid in [("0000:9a:00.0", 0, UUIDS[1]), ("0000:18:00.0", 1, UUIDS[0])]:
        write(root, f"proc/driver/nvidia/gpus/{bus}/information",
              f"Model: \t\t NVIDIA H100 80GB HBM3\nGPU UUID: \t {uuid}\n"
              f"Bus Location: \t {bus}\nDevice Minor: \t {minor}\n")
    lib = "usr/local/nvidia/lib64/"
    for base in ["libcuda", "libnvidia-ml"]:
        write(root, lib + base + ".so.580.95.05")
        os.symlink(base + ".so.580.95.05", os.path.join(root, lib + base + ".so.1"))
    write(root, "usr/local/nvidia/bin/nvidia-smi")


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)


def check_schema(test, spec):
    """An independent check of the CDI schema's rules (schema.json, defs.json, SPEC.md)."""
    test.assertLessEqual(set(spec), {"cdiVersion", "kind", "devices", "containerEdits", "annotations"})
    test.assertRegex(spec["cdiVersion"], r"^\d+\.\d+\.\d+$")
    test.assertRegex(spec["kind"], KIND_RE)
    test.assertTrue(spec["devices"])
    names = [d["name"] for d in spec["devices"]]
    test.assertEqual(len(names), len(set(names)))
    edits = [d["containerEdits"] for d in spec["devices"]] + [spec["containerEdits"]]
    for d in spec["devices"]:
        test.assertRegex(d["name"], NAME_RE)
        test.assertLessEqual(set(d), {"name", "containerEdits", "annotations"})
    for e in edits:
        test.assertLessEqual(set(e), {"env", "deviceNodes", "mounts", "hooks"})
        for n in e.get("deviceNodes", []):
            test.assertTrue(n["path"].startswith("/"))
            test.assertTrue(os.path.exists(n["hostPath"]), n)
        for m in e.get("mounts", []):
            test.assertTrue(m["containerPath"].startswith("/"))
            test.assertTrue(os.path.exists(m["hostPath"]), m)
            test.assertTrue(all(isinstance(o, str) for o in m["options"]))
        for h in e.get("hooks", []):
            test.assertIn(h["hookName"], {"prestart", "createRuntime", "createContainer",
                                          "startContainer", "poststart", "poststop"})
            test.assertTrue(h["path"].startswith("/"))


class CdiTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="cudapkgs-e2e-cdi-")
        self.root = os.path.join(self.tmp.name, "root")
        make_tree(self.root)
        self.roots = ["--dev-root", self.root, "--driver-root", self.root]

    def tearDown(self):
        self.tmp.cleanup()

    def test_generate_json_and_list(self):
        out = os.path.join(self.tmp.name, "cdi", "sub", "nvidia.json")
        r = run("cdi", "generate", *self.roots, "--output", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.split(), ["nvidia.com/gpu=0", "nvidia.com/gpu=1", "nvidia.com/gpu=all"])
        with open(out) as f:
            spec = json.load(f)
        check_schema(self, spec)
        self.assertEqual(spec["kind"], "nvidia.com/gpu")
        # Index 0 is the first GPU in PCI order (0000:18:00.0), whose minor number is 1.
        self.assertEqual(spec["devices"][0]["containerEdits"]["deviceNodes"][0]["path"], "/dev/nvidia1")
        mounts = {m["containerPath"] for m in spec["containerEdits"]["mounts"]}
        self.assertIn("/usr/local/nvidia/lib64/libcuda.so.580.95.05", mounts)
        self.assertIn("/usr/bin/nvidia-smi", mounts)
        hook = spec["containerEdits"]["hooks"][0]
        self.assertEqual(hook["args"], ["/sbin/ldconfig", "/usr/local/nvidia/lib64"])

        r = run("cdi", "list", "--spec", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.split(), ["nvidia.com/gpu=0", "nvidia.com/gpu=1", "nvidia.com/gpu=all"])
        r = run("--json", "cdi", "list", "--spec", out)
        self.assertEqual(json.loads(r.stdout)["devices"][-1], "nvidia.com/gpu=all")

    def test_generate_json_result(self):
        out = os.path.join(self.tmp.name, "nvidia.json")
        r = run("--json", "cdi", "generate", *self.roots, "--output", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        result = json.loads(r.stdout)
        self.assertEqual(result["driverVersion"], "580.95.05")
        self.assertEqual(result["gpuSource"], "proc")
        self.assertEqual([g["uuid"] for g in result["gpus"]], UUIDS)
        self.assertEqual(result["output"], out)

    def test_yaml_matches_json(self):
        as_json = run("cdi", "generate", *self.roots, "--device-name-strategy", "uuid", "--output", "-")
        as_yaml = run("cdi", "generate", *self.roots, "--device-name-strategy", "uuid",
                      "--format", "yaml", "--output", "-")
        self.assertEqual(as_json.returncode, 0, as_json.stderr)
        self.assertEqual(as_yaml.returncode, 0, as_yaml.stderr)
        spec = json.loads(as_json.stdout)
        self.assertEqual([d["name"] for d in spec["devices"]], UUIDS + ["all"])
        self.assertIn(f'  - name: "{UUIDS[0]}"\n', as_yaml.stdout)
        try:
            import yaml  # PyYAML, if installed: an independent reader
        except ImportError:
            print("note: PyYAML not installed; YAML compared textually only", file=sys.stderr)
            return
        self.assertEqual(yaml.safe_load(as_yaml.stdout), spec)

    def test_list_rejects_yaml(self):
        out = os.path.join(self.tmp.name, "nvidia.yaml")
        self.assertEqual(run("cdi", "generate", *self.roots, "--format", "yaml", "-o", out).returncode, 0)
        r = run("cdi", "list", "--spec", out)
        self.assertEqual(r.returncode, 3)
        self.assertIn("JSON specs only", r.stderr)

    def test_no_gpu_is_exit_3(self):
        empty = os.path.join(self.tmp.name, "empty")
        os.makedirs(os.path.join(empty, "dev"))
        out = os.path.join(self.tmp.name, "never.json")
        r = run("cdi", "generate", "--dev-root", empty, "--driver-root", empty, "--output", out)
        self.assertEqual(r.returncode, 3)
        self.assertIn("cudapkgs: error: no NVIDIA GPU found", r.stderr)
        self.assertIn(os.path.join(empty, "proc/driver/nvidia/gpus"), r.stderr)
        self.assertIn(os.path.join(empty, "dev") + "/nvidia[0-9]*", r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_no_driver_is_exit_3(self):
        os.remove(os.path.join(self.root, "usr/local/nvidia/lib64/libcuda.so.1"))
        os.remove(os.path.join(self.root, "usr/local/nvidia/lib64/libcuda.so.580.95.05"))
        r = run("cdi", "generate", *self.roots, "--output", "-")
        self.assertEqual(r.returncode, 3)
        self.assertIn("libcuda.so*", r.stderr)
        self.assertIn(os.path.join(self.root, "usr/local/nvidia/lib64"), r.stderr)

    def test_atomic_write_replaces_and_leaves_no_temp_files(self):
        outdir = os.path.join(self.tmp.name, "cdi")
        os.makedirs(outdir)
        out = os.path.join(outdir, "nvidia.json")
        write(outdir, "nvidia.json", "old contents")
        for strategy in ["index", "uuid"]:
            r = run("cdi", "generate", *self.roots, "--device-name-strategy", strategy, "-o", out)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.listdir(outdir), ["nvidia.json"])
        with open(out) as f:
            self.assertEqual(json.load(f)["devices"][0]["name"], UUIDS[0])
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o644)

    def test_character_device_nodes(self):
        # Real device nodes (needs CAP_MKNOD; skipped without it): accepted like on a host.
        dev = os.path.join(self.root, "dev")
        for name, minor in [("nvidia0", 0), ("nvidia1", 1), ("nvidiactl", 255)]:
            os.remove(os.path.join(dev, name))
            try:
                os.mknod(os.path.join(dev, name), 0o666 | stat.S_IFCHR, os.makedev(195, minor))
            except PermissionError:
                self.skipTest("mknod not permitted")
        r = run("cdi", "generate", *self.roots, "--output", "-")
        self.assertEqual(r.returncode, 0, r.stderr)
        spec = json.loads(r.stdout)
        nodes = spec["devices"][-1]["containerEdits"]["deviceNodes"]
        self.assertTrue(all(stat.S_ISCHR(os.stat(n["hostPath"]).st_mode) for n in nodes))

    def test_usage_errors(self):
        self.assertEqual(run("cdi", "generate", *self.roots, "--format", "toml", "-o", "-").returncode, 2)
        self.assertEqual(run("cdi", "generate", *self.roots, "--device-name-strategy", "x",
                             "-o", "-").returncode, 2)
        self.assertEqual(run("cdi").returncode, 2)


if __name__ == "__main__":
    harness.unittest_main()
