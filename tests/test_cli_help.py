"""The README's copies of ``openai-vertex --help`` and of each command's ``--help`` are the real ones.

A README block looks like this (any fence language; the first line is the command)::

    ```console
    $ openai-vertex doctor --help
    usage: openai-vertex doctor [-h] ...
    ```

Every command the parser knows must have one, and every block must match the output of the command,
run with ``COLUMNS=100`` so argparse wraps the same way everywhere.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from openai_vertex.cli import build_parser

from .test_doctor import SRC

README = Path(__file__).resolve().parents[1] / "README.md"
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
_HELP_LINE = re.compile(r"^\$ openai-vertex((?: [a-z][a-z-]*)*) --help$")


def documented_blocks() -> dict[str, str]:
    """README help blocks by command ("" for the top level): the text after the ``$`` line."""
    blocks: dict[str, str] = {}
    text = README.read_text(encoding="utf-8") if README.is_file() else ""
    for match in _FENCE.finditer(text):
        first, _, rest = match.group(1).partition("\n")
        found = _HELP_LINE.match(first.strip())
        if found:
            blocks[found.group(1).strip()] = rest
    return blocks


def commands() -> list[str]:
    """The top level and every sub-command, as the parser defines them."""
    parser = build_parser()
    names = [""]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            names.extend(action.choices)
    return names


def real_help(command: str) -> str:
    env = dict(os.environ, COLUMNS="100")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-m", "openai_vertex.cli", *command.split(), "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _normalized(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


# argparse formats help differently on other versions ("optional arguments:" before 3.11, "-x, --long X"
# from 3.13), and the README shows one of them.
README_FORMAT = pytest.mark.skipif(
    sys.version_info[:2] not in ((3, 11), (3, 12)),
    reason="the README's --help blocks are argparse's output on Python 3.11/3.12",
)


@README_FORMAT
@pytest.mark.parametrize("command", commands(), ids=lambda c: c or "openai-vertex")
def test_readme_help_block_matches_the_real_help(command: str) -> None:
    blocks = documented_blocks()
    shown = " ".join(filter(None, ["openai-vertex", command, "--help"]))
    assert command in blocks, f"README.md has no fenced block starting with '$ {shown}'"
    assert _normalized(blocks[command]) == _normalized(real_help(command)), (
        f"README.md's '$ {shown}' block is out of date; paste the output of 'COLUMNS=100 {shown}'"
    )


def test_readme_documents_no_command_that_does_not_exist() -> None:
    stale = set(documented_blocks()) - set(commands())
    assert not stale, f"README.md shows --help for commands that do not exist: {sorted(stale)}"
