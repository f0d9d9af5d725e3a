"""The ``openai-vertex`` command.

argparse (standard library): no extra dependency, nothing to import for the library itself, and
the commands are few and flat, which is what argparse does well. Each command lives in its own
module of this package (``demo.py``, ``doctor.py``, ...), which defines ``HELP``, ``DESCRIPTION``,
``add_arguments(parser)`` and ``run(args)``; ``build_parser`` makes the sub-parser from them, and
``main`` handles Ctrl-C, a closed pipe and openai-vertex's own errors for all of them, with the one
exit-status rule of ``_errors.py`` (a command's ``FLAGS``, library argument -> its flag, lets the
message name the flag the user typed). A command module does its heavy imports
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

EXIT_STATUS = """\
exit status, every command: 0 done; 2 bad input (the command line, a file it names, a setting from a
flag or the environment, a request Vertex cannot take); 1 a failed check or call (Vertex, the
credentials, the network); 130 interrupted (Ctrl-C). 'run' exits with its program's own status."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openai-vertex",
        description="Run code written for the OpenAI Python SDK on Gemini in Vertex AI.",
        epilog=EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,  # keep the epilog's lines as written
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _COMMANDS:
        command = importlib.import_module(f"openai_vertex.cli.{name}")
        sub = commands.add_parser(name, help=command.HELP, description=command.DESCRIPTION)
        command.add_arguments(sub)
        # `command` itself is taken: run's positional holds the program to run.
        sub.set_defaults(run=command.run, flags=getattr(command, "FLAGS", {}), command_name=name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; argparse itself exits 2 on a bad command line."""
    from ..exceptions import VertexOpenAIError
    from ._errors import InputError, in_flags, status_of

    args = build_parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except (InputError, VertexOpenAIError) as exc:  # bad input (2) or a failed call (1), no traceback
        message = in_flags(str(exc), args.flags)
        with contextlib.suppress(BrokenPipeError, ValueError):
            sys.stderr.write(f"openai-vertex {args.command_name}: error: {message}\n")
        return status_of(exc)
    except KeyboardInterrupt:  # how a user stops a long answer or a slow check: no traceback
        with contextlib.suppress(BrokenPipeError, ValueError):  # stderr gone or closed too
            sys.stderr.write("\n")
        return 130  # 128 + SIGINT, what shells report
    except BrokenPipeError:  # the reader went away (`| head`); spare Python's exit-time flush the same
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return status
