#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks cudapkgs' module layers (docs/architecture.md).

The layer graph has one source: the cudapkgs_module(NAME DEPS ...) calls in src/CMakeLists.txt.
CMake links each module's library to exactly its DEPS and writes the graph to
<build>/module-graph.json; this script reads that file and

  --module M     fails when a file of module M (src/M/, include/cudapkgs/M/) includes a header
                 of a module M may not use, or another module's private header (src/X/); run by
                 the build before M is compiled, so a wrong include fails the build;
  --check-docs F fails when the module table or the graph in F (docs/architecture.md) differs
                 from the graph (a CTest test);
  --write-docs F rewrites both from the graph (after editing src/CMakeLists.txt).

A module may use the modules in its DEPS and, through them, everything they may use (the
transitive closure; the linker sees the same). The graph must have no cycle.
Python standard library only.
"""

import argparse
import json
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
SOURCE_SUFFIXES = {".cpp", ".cc", ".hpp", ".h", ".inl"}
TABLE_BEGIN, TABLE_END = "<!-- layers:table:begin -->", "<!-- layers:table:end -->"
GRAPH_BEGIN, GRAPH_END = "<!-- layers:graph:begin -->", "<!-- layers:graph:end -->"
ROW = re.compile(r"^\|\s*`([a-z_]+)`\s*\|([^|]*)\|(.*)\|\s*$")


class Graph:
    def __init__(self, modules):
        self.order = [m["name"] for m in modules]  # lowest first, as declared
        self.deps = {m["name"]: list(m["deps"]) for m in modules}

    @classmethod
    def load(cls, path):
        return cls(json.loads(pathlib.Path(path).read_text())["modules"])

    def problems(self):
        out = []
        for name, deps in self.deps.items():
            for dep in deps:
                if dep not in self.deps:
                    out.append(f"module '{name}' depends on '{dep}', which is not a module")
                elif dep == name:
                    out.append(f"module '{name}' depends on itself")
        cycle = self.find_cycle()
        if cycle:
            out.append("the layer graph has a cycle: " + " -> ".join(cycle))
        return out

    def find_cycle(self):
        state = {}  # 1: on the stack, 2: done
        stack = []

        def visit(name):
            state[name] = 1
            stack.append(name)
            for dep in self.deps.get(name, []):
                if dep not in self.deps:
                    continue
                if state.get(dep) == 1:
                    return stack[stack.index(dep):] + [dep]
                if dep not in state:
                    found = visit(dep)
                    if found:
                        return found
            stack.pop()
            state[name] = 2
            return None

        for name in self.order:
            if name not in state:
                found = visit(name)
                if found:
                    return found
        return None

    def closure(self, name):
        seen, todo = set(), list(self.deps.get(name, []))
        while todo:
            dep = todo.pop()
            if dep not in seen and dep in self.deps:
                seen.add(dep)
                todo.extend(self.deps[dep])
        return seen

    def reduced_edges(self):
        """Edges not implied by a longer path: what the drawn graph shows."""
        edges = []
        for name in self.order:
            for dep in self.deps[name]:
                via_other = any(dep in self.closure(other) for other in self.deps[name]
                                if other != dep)
                if not via_other:
                    edges.append((name, dep))
        return edges


def module_of(path, root):
    """(module, private) for a path inside src/<m>/ or include/cudapkgs/<m>/, else None."""
    try:
        rel = path.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    parts = rel.parts
    if len(parts) >= 3 and parts[0] == "src":
        return parts[1], True
    if len(parts) >= 4 and parts[0] == "include" and parts[1] == "cudapkgs":
        return parts[2], False
    return None


def module_files(root, name):
    for base in (root / "src" / name, root / "include" / "cudapkgs" / name):
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file() and path.suffix in SOURCE_SUFFIXES:
                    yield path


def check_module(graph, root, name):
    """Error lines for every forbidden include in module `name`."""
    if name not in graph.deps:
        return [f"'{name}' is not a module of the layer graph"]
    allowed = graph.closure(name)
    may_use = ", ".join(m for m in graph.order if m in allowed) or "nothing"
    errors = []
    for path in module_files(root, name):
        shown = path.relative_to(root)
        text = path.read_text(encoding="utf-8", errors="replace")
        for lineno, line in enumerate(text.splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            bracket, target = match.groups()
            where = f"{shown}:{lineno}"
            spelled = f"<{target}>" if bracket == "<" else f'"{target}"'
            parts = pathlib.PurePosixPath(target).parts
            if len(parts) >= 3 and parts[0] == "cudapkgs":
                other = parts[1]
                if other not in graph.deps:
                    errors.append(f"{where}: {name} includes {spelled}, but '{other}' is not a "
                                  "module (declare it with cudapkgs_module in src/CMakeLists.txt)")
                elif other != name and other not in allowed:
                    errors.append(f"{where}: forbidden edge {name} -> {other}: {name} includes "
                                  f"{spelled}, but {name} may use only: {may_use} "
                                  "(docs/architecture.md)")
                continue
            # Anything else that names a file of the tree: "x.hpp" next to the file, or a path
            # under src/ (the private include directory) or include/.
            candidates = [root / "src" / target, root / "include" / target]
            if bracket == '"':
                candidates.insert(0, path.parent / target)
            for candidate in candidates:
                if not candidate.is_file():
                    continue
                owner = module_of(candidate, root)
                if owner and owner[0] != name:
                    kind = "a private header of" if owner[1] else "a header of"
                    errors.append(f"{where}: {name} includes {spelled}, {kind} module "
                                  f"'{owner[0]}'; only <cudapkgs/{owner[0]}/...> headers are "
                                  "shared between modules")
                break
    return errors


def table_rows(graph):
    def cell(deps):
        return ", ".join(f"`{d}`" for d in deps) if deps else "—"
    return {name: cell(graph.deps[name]) for name in graph.order}


def mermaid(graph):
    lines = ["```mermaid", "flowchart TD"]
    for name, dep in graph.reduced_edges():
        lines.append(f"    {name} --> {dep}")
    lines.append("```")
    return lines


def section(lines, begin, end, doc):
    try:
        return lines.index(begin), lines.index(end)
    except ValueError:
        raise SystemExit(f"{doc}: missing the markers {begin} … {end}")


def docs_problems(graph, doc):
    lines = pathlib.Path(doc).read_text().splitlines()
    problems = []
    first, last = section(lines, TABLE_BEGIN, TABLE_END, doc)
    want = table_rows(graph)
    seen = []
    for lineno in range(first + 1, last):
        match = ROW.match(lines[lineno])
        if not match:
            continue
        name, uses = match.group(1), match.group(2).strip()
        seen.append(name)
        if name not in want:
            problems.append(f"{doc}:{lineno + 1}: `{name}` is not a module")
        elif uses != want[name]:
            problems.append(f"{doc}:{lineno + 1}: `{name}` uses {want[name]}, the page says {uses}")
    missing = [m for m in graph.order if m not in seen]
    if missing:
        problems.append(f"{doc}: the module table lacks " + ", ".join(missing))
    elif seen != graph.order:
        problems.append(f"{doc}: the module table is not in layer order ({', '.join(graph.order)})")
    first, last = section(lines, GRAPH_BEGIN, GRAPH_END, doc)
    if lines[first + 1:last] != mermaid(graph):
        problems.append(f"{doc}:{first + 1}: the graph differs from the layer graph")
    return problems


def write_docs(graph, doc):
    lines = pathlib.Path(doc).read_text().splitlines()
    first, last = section(lines, TABLE_BEGIN, TABLE_END, doc)
    owns, header = {}, []
    for line in lines[first + 1:last]:
        match = ROW.match(line)
        if match:
            owns[match.group(1)] = match.group(3).strip()
        elif not owns:
            header.append(line)
    rows = table_rows(graph)
    body = header + [f"| `{m}` | {rows[m]} | {owns.get(m, 'TODO: what it owns')} |"
                     for m in graph.order]
    lines[first + 1:last] = body
    first, last = section(lines, GRAPH_BEGIN, GRAPH_END, doc)
    lines[first + 1:last] = mermaid(graph)
    pathlib.Path(doc).write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", required=True, help="module-graph.json written by CMake")
    parser.add_argument("--root", required=True, help="the source tree")
    parser.add_argument("--module", action="append", default=[], help="check this module")
    parser.add_argument("--all", action="store_true", help="check every module")
    parser.add_argument("--stamp", help="touched when the check passes")
    parser.add_argument("--check-docs", metavar="FILE")
    parser.add_argument("--write-docs", metavar="FILE")
    args = parser.parse_args(argv)

    graph = Graph.load(args.graph)
    root = pathlib.Path(args.root)
    errors = graph.problems()
    modules = graph.order if args.all else args.module
    if not errors:
        for name in modules:
            errors += check_module(graph, root, name)
    if not errors and args.write_docs:
        write_docs(graph, args.write_docs)
    if not errors and args.check_docs:
        errors += docs_problems(graph, args.check_docs)
        if errors:
            errors.append("regenerate with: python3 cmake/check_layers.py --graph "
                          "build/<preset>/module-graph.json --root . --write-docs "
                          + args.check_docs)
    for error in errors:
        print(f"layers: {error}", file=sys.stderr)
    if errors:
        return 1
    if args.stamp:
        pathlib.Path(args.stamp).parent.mkdir(parents=True, exist_ok=True)
        pathlib.Path(args.stamp).write_text("ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
