"""The ``openai-vertex`` command.

argparse (standard library): no extra dependency, nothing to import for the library itself, and
the commands are few and flat, which is what argparse does well. Each command lives in its own
``_cmd_*.py`` module with ``register(commands)``, which adds its sub-parser and sets ``run``;
the module does its heavy imports inside ``run`` so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]

# One module per command, in the order `--help` lists them.
_COMMANDS = ("_cmd_demo", "_cmd_doctor", "_cmd_chat", "_cmd_run", "_cmd_translate")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openai-vertex",
        description="Run code written for the OpenAI Python SDK on Gemini in Vertex AI.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _COMMANDS:
        importlib.import_module(f"openai_vertex.{name}").register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
