#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""cmake/check_layers.py on small planted trees: it must reject what the layers forbid.

Usage: test_check_layers.py PATH/TO/check_layers.py
"""

import importlib.util
import io
import json
import pathlib
import sys
import tempfile
import unittest
from contextlib import redirect_stderr

CHECKER = pathlib.Path(sys.argv.pop(1) if len(sys.argv) > 1 else
                       pathlib.Path(__file__).resolve().parents[2] / "cmake" / "check_layers.py")
spec = importlib.util.spec_from_file_location("check_layers", CHECKER)
check_layers = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_layers)

# util <- version <- pkgset <- toolchain; store uses util only.
GRAPH = [
    {"name": "util", "deps": []},
    {"name": "version", "deps": ["util"]},
    {"name": "store", "deps": ["util"]},
    {"name": "pkgset", "deps": ["version"]},
    {"name": "toolchain", "deps": ["pkgset"]},
]

DOC = """# Architecture

<!-- layers:table:begin -->
| module | uses | owns |
| --- | --- | --- |
| `util` | — | errors |
| `version` | `util` | versions |
| `store` | `util` | the store |
| `pkgset` | `version` | the evaluator |
| `toolchain` | `pkgset` | source builds |
<!-- layers:table:end -->

<!-- layers:graph:begin -->
```mermaid
flowchart TD
    version --> util
    store --> util
    pkgset --> version
    toolchain --> pkgset
```
<!-- layers:graph:end -->
"""


class Tree:
    def __init__(self, graph=GRAPH):
        self.dir = tempfile.TemporaryDirectory()
        self.root = pathlib.Path(self.dir.name)
        self.graph = self.root / "module-graph.json"
        self.graph.write_text(json.dumps({"modules": graph}))
        for module in graph:
            self.write(f"include/cudapkgs/{module['name']}/{module['name']}.hpp", "#pragma once\n")
            self.write(f"src/{module['name']}/{module['name']}.cpp",
                       f"#include <cudapkgs/{module['name']}/{module['name']}.hpp>\n")

    def write(self, rel, text):
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def run(self, *args):
        err = io.StringIO()
        with redirect_stderr(err):
            rc = check_layers.main(["--graph", str(self.graph), "--root", str(self.root), *args])
        return rc, err.getvalue()


class CheckLayersTest(unittest.TestCase):
    def setUp(self):
        self.tree = Tree()
        self.addCleanup(self.tree.dir.cleanup)

    def test_clean_tree_passes_and_stamps(self):
        stamp = self.tree.root / "ok"
        rc, err = self.tree.run("--all", "--stamp", str(stamp))
        self.assertEqual((rc, err), (0, ""))
        self.assertTrue(stamp.exists())

    def test_include_of_a_higher_module_fails_naming_file_line_and_edge(self):
        self.tree.write("src/pkgset/derivation.cpp",
                        "// a comment\n#include <cudapkgs/pkgset/pkgset.hpp>\n"
                        "#include <cudapkgs/toolchain/toolchain.hpp>\n")
        stamp = self.tree.root / "ok"
        rc, err = self.tree.run("--module", "pkgset", "--stamp", str(stamp))
        self.assertEqual(rc, 1)
        self.assertIn("src/pkgset/derivation.cpp:3:", err)
        self.assertIn("forbidden edge pkgset -> toolchain", err)
        self.assertIn("<cudapkgs/toolchain/toolchain.hpp>", err)
        self.assertFalse(stamp.exists())

    def test_public_header_is_checked_too(self):
        self.tree.write("include/cudapkgs/store/store.hpp",
                        '#pragma once\n#  include "cudapkgs/version/version.hpp"\n')
        rc, err = self.tree.run("--module", "store")
        self.assertEqual(rc, 1)
        self.assertIn("include/cudapkgs/store/store.hpp:2: forbidden edge store -> version", err)

    def test_sideways_include_fails(self):
        self.tree.write("src/store/a.cpp", "#include <cudapkgs/pkgset/pkgset.hpp>\n")
        rc, err = self.tree.run("--all")
        self.assertEqual(rc, 1)
        self.assertIn("store -> pkgset", err)

    def test_transitive_use_is_allowed(self):
        self.tree.write("src/toolchain/a.cpp", "#include <cudapkgs/util/util.hpp>\n")
        self.assertEqual(self.tree.run("--module", "toolchain"), (0, ""))

    def test_private_header_of_another_module_fails(self):
        self.tree.write("src/util/secret.hpp", "#pragma once\n")
        self.tree.write("src/version/a.cpp", '#include "util/secret.hpp"\n')
        self.tree.write("src/version/b.cpp", '#include "../util/secret.hpp"\n')
        rc, err = self.tree.run("--module", "version")
        self.assertEqual(rc, 1)
        self.assertIn("src/version/a.cpp:1: version includes \"util/secret.hpp\", a private "
                      "header of module 'util'", err)
        self.assertIn("src/version/b.cpp:1:", err)

    def test_own_private_header_is_fine(self):
        self.tree.write("src/store/db.hpp", "#pragma once\n")
        self.tree.write("src/store/db.cpp", '#include "db.hpp"\n#include <vector>\n')
        self.assertEqual(self.tree.run("--module", "store"), (0, ""))

    def test_unknown_module_fails(self):
        self.tree.write("src/util/a.cpp", "#include <cudapkgs/nosuch/x.hpp>\n")
        rc, err = self.tree.run("--module", "util")
        self.assertEqual(rc, 1)
        self.assertIn("'nosuch' is not a module", err)

    def test_cycle_fails(self):
        graph = [dict(m) for m in GRAPH]
        graph[1] = {"name": "version", "deps": ["util", "toolchain"]}
        tree = Tree(graph)
        self.addCleanup(tree.dir.cleanup)
        rc, err = tree.run("--module", "util")
        self.assertEqual(rc, 1)
        self.assertIn("cycle", err)

    def test_docs_match_and_drift_is_caught(self):
        doc = self.tree.write("architecture.md", DOC)
        self.assertEqual(self.tree.run("--check-docs", str(doc)), (0, ""))
        doc.write_text(DOC.replace("| `store` | `util` |", "| `store` | `util`, `version` |"))
        rc, err = self.tree.run("--check-docs", str(doc))
        self.assertEqual(rc, 1)
        self.assertIn("`store` uses `util`, the page says `util`, `version`", err)
        doc.write_text(DOC.replace("    toolchain --> pkgset\n", ""))
        rc, err = self.tree.run("--check-docs", str(doc))
        self.assertEqual(rc, 1)
        self.assertIn("the graph differs", err)

    def test_write_docs_keeps_what_each_module_owns(self):
        doc = self.tree.write("architecture.md",
                              DOC.replace("| `store` | `util` | the store |\n", "")
                                 .replace("    toolchain --> pkgset\n", ""))
        self.assertEqual(self.tree.run("--write-docs", str(doc)), (0, ""))
        text = doc.read_text()
        self.assertIn("| `pkgset` | `version` | the evaluator |", text)
        self.assertIn("| `store` | `util` | TODO: what it owns |", text)
        self.assertEqual(self.tree.run("--check-docs", str(doc)), (0, ""))


if __name__ == "__main__":
    unittest.main()
