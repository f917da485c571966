#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""docs/commands/ and `--help` cannot drift apart: every command `cudapkgs --help` lists has a
page docs/commands/<name>.md, every page belongs to a command, and every option that
`cudapkgs <cmd> --help` or `cudapkgs <cmd> <sub> --help` shows, and every subcommand name,
appears on the command's page. Commands left out of the footer (`gpu-info`, `build-source`) are
checked like the others. Those CLI11 hides completely (`fetch`, `store add-dir`: group "") are
not listed anywhere, so they are found the other way round: a page whose name `--help`
accepts, and HIDDEN_SUBCOMMANDS. Only `-h,--help` is exempt. Global options belong to
`cudapkgs --help` itself and to no command's page."""
import os
import re
import subprocess
import sys

BIN = os.environ.get("CUDAPKGS_BIN", "cudapkgs")
SRC = os.environ.get("CUDAPKGS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
DOCS = os.path.join(SRC, "docs", "commands")

# Sections of CLI11's help text (its headers are "Options:" or "OPTIONS:" by version).
SUBCOMMAND_HEADERS = {"subcommands"}
NOT_OPTIONS = {"positionals", "subcommands"}
# Subcommands with group(""), which no help text lists.
HIDDEN_SUBCOMMANDS = {"store": ["add-dir"]}


def help_text(*args):
    r = subprocess.run([BIN, *args, "--help"], capture_output=True, text=True)
    assert r.returncode == 0, (args, r.returncode, r.stderr)
    return r.stdout


def is_command(*args):
    """True when `cudapkgs ARGS --help` is that command's help (CLI11 answers an unknown
    name with the top-level help)."""
    r = subprocess.run([BIN, *args, "--help"], capture_output=True, text=True)
    return r.returncode == 0 and f"Usage: cudapkgs {' '.join(args)} " in r.stdout


def sections(text):
    """{header (lower case, no colon): [entry lines]} for CLI11's indented sections."""
    out, current = {}, None
    for line in text.splitlines():
        header = re.fullmatch(r"([A-Za-z][A-Za-z ]*):", line.strip())
        if header and not line.startswith(" "):
            current = header.group(1).lower()
            out.setdefault(current, [])
        elif current is not None and line.startswith("  ") and line.strip():
            out[current].append(line)
    return out


def options(text):
    """The names to look for on the page: each option's long name, else its short one."""
    names = []
    for header, lines in sections(text).items():
        if header in NOT_OPTIONS:
            continue
        for line in lines:
            first = line.split()[0]
            if not first.startswith("-"):
                continue  # a wrapped description
            flags = first.split(",")
            if "--help" in flags:
                continue
            longs = [f for f in flags if f.startswith("--")]
            names.append(longs[0] if longs else flags[0])
    return names


def subcommands(text):
    found = []
    for header, lines in sections(text).items():
        if header in SUBCOMMAND_HEADERS:
            found += [line.split()[0] for line in lines
                      if not line.startswith("   ") and re.match(r"[a-z][a-z0-9-]*$",
                                                                  line.split()[0])]
    return found


def mentioned(page, word):
    return re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", page) is not None


def main():
    top = help_text()
    commands = subcommands(top)
    assert len(commands) >= 20, f"cannot read the commands from `cudapkgs --help`:\n{top}"
    # The commands the footer lists are the not-hidden ones; each must be a real command.
    listed = [line.split()[0] for line in sections(top).get("commands", [])]
    assert listed and set(listed) <= set(commands), (listed, commands)

    problems = []
    pages = {f[:-3] for f in os.listdir(DOCS) if f.endswith(".md")}
    unlisted = []
    for extra in sorted(pages - set(commands)):
        if is_command(extra):
            unlisted.append(extra)  # a command hidden with group("")
        else:
            problems.append(f"docs/commands/{extra}.md: no such command")
    commands += unlisted
    checked = 0
    for cmd in commands:
        path = os.path.join(DOCS, cmd + ".md")
        if cmd not in pages:
            problems.append(f"{cmd}: no page docs/commands/{cmd}.md")
            continue
        with open(path, encoding="utf-8") as f:
            page = f.read()
        text = help_text(cmd)
        todo = [((cmd,), text)]
        for sub in HIDDEN_SUBCOMMANDS.get(cmd, []):
            assert is_command(cmd, sub), f"`cudapkgs {cmd} {sub}` is gone: update the test"
        for sub in subcommands(text) + HIDDEN_SUBCOMMANDS.get(cmd, []):
            if not mentioned(page, sub):
                problems.append(f"docs/commands/{cmd}.md: subcommand `{cmd} {sub}` is missing")
            todo.append(((cmd, sub), help_text(cmd, sub)))
        for args, sub_text in todo:
            for option in options(sub_text):
                checked += 1
                if not mentioned(page, option):
                    problems.append(f"docs/commands/{cmd}.md: `{option}` (shown by "
                                    f"`cudapkgs {' '.join(args)} --help`) is missing")
    hidden = sorted(set(commands) - set(listed))
    print(f"{len(commands)} commands (not in the footer, checked too: {', '.join(hidden)}), "
          f"{checked} options")
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
