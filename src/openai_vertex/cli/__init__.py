"""The ``openai-vertex`` command.

argparse (standard library): no extra dependency, nothing to import for the library itself, and
the commands are few and flat, which is what argparse does well. Each command lives in its own
module of this package (``demo.py``, ``doctor.py``, ...), which defines ``HELP``, ``DESCRIPTION``,
``add_arguments(parser)`` and ``run(args)``; ``build_parser`` makes the sub-parser from them, and
``main`` handles Ctrl-C and a closed pipe for all of them. A command module does its heavy imports
inside ``run`` so ``--help`` stays fast. Their helpers sit beside them (``_args.py``, ``_demo.py``,
``_doctor*.py``, ``_run_site/``). Nothing in the library imports this package: it is reached only
through the console script.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]

# One module per command, in the order `--help` lists them.
_COMMANDS = ("demo", "doctor", "chat", "run", "translate", "emulator")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openai-vertex",
        description="Run code written for the OpenAI Python SDK on Gemini in Vertex AI.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _COMMANDS:
        command = importlib.import_module(f"openai_vertex.cli.{name}")
        sub = commands.add_parser(name, help=command.HELP, description=command.DESCRIPTION)
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except KeyboardInterrupt:  # how a user stops a long answer or a slow check: no traceback
        with contextlib.suppress(BrokenPipeError, ValueError):  # stderr gone or closed too
            sys.stderr.write("\n")
        return 130  # 128 + SIGINT, what shells report
    except BrokenPipeError:  # the reader went away (`| head`); spare Python's exit-time flush the same
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return status
