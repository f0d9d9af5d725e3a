"""``openai-vertex run -- COMMAND ...``: run any program with openai patched for Vertex.

Like ``opentelemetry-instrument`` and ``ddtrace-run``: the command is exec'd (same process, so exit
status and signals are the program's own) with ``OPENAI_VERTEX=1`` and a folder holding a bootstrap
``sitecustomize`` put first on ``PYTHONPATH``. That ``sitecustomize`` turns on environment-only mode,
then chains to the program's own ``sitecustomize``. Options are passed as the environment variables
environment-only mode reads.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["register", "run", "run_environment"]

SITE_DIR = str(Path(__file__).resolve().parent / "_run_site")


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "run",
        help="run a program with openai patched for Vertex (no code changes)",
        description="Run COMMAND with every openai.OpenAI()/AsyncOpenAI() and the module-level client "
        "sent to Gemini on Vertex AI, configured from the environment (OPENAI_VERTEX_*, GOOGLE_CLOUD_*, "
        "Application Default Credentials). Example: openai-vertex run --model-alias gpt-4o=gemini-2.5-pro "
        "-- python app.py",
    )
    parser.add_argument("--project", help="Google Cloud project (sets GOOGLE_CLOUD_PROJECT)")
    parser.add_argument("--location", help="Vertex location, e.g. global (sets GOOGLE_CLOUD_LOCATION)")
    parser.add_argument(
        "--model-alias",
        action="append",
        default=[],
        metavar="NAME=MODEL",
        help="map a hard-coded model name to a Vertex model; repeatable; '*=MODEL' covers every name "
        "(adds to OPENAI_VERTEX_MODEL_ALIASES)",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the program and its arguments, after --")
    parser.set_defaults(run=run)


def run_environment(args: argparse.Namespace, environ: Mapping[str, str]) -> dict[str, str]:
    """The environment the program runs with."""
    env = dict(environ)
    env["OPENAI_VERTEX"] = "1"
    if args.project:
        env["GOOGLE_CLOUD_PROJECT"] = args.project
    if args.location:
        env["GOOGLE_CLOUD_LOCATION"] = args.location
    if args.model_alias:
        aliases = [env.get("OPENAI_VERTEX_MODEL_ALIASES", ""), *args.model_alias]
        env["OPENAI_VERTEX_MODEL_ALIASES"] = ",".join(a for a in aliases if a)
    path = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != SITE_DIR]
    env["PYTHONPATH"] = os.pathsep.join([SITE_DIR, *path])
    return env


def run(args: argparse.Namespace) -> int:
    command: Sequence[str] = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        print(
            "openai-vertex run: no command given; usage: openai-vertex run -- python app.py", file=sys.stderr
        )
        return 2
    if args.model_alias:
        from ._settings import parse_model_aliases
        from .exceptions import ConfigurationError

        try:
            parse_model_aliases(",".join(args.model_alias))
        except ConfigurationError as exc:
            print(f"openai-vertex run: {exc}", file=sys.stderr)
            return 2
    env = run_environment(args, os.environ)
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "nt":  # no exec on Windows: wait for the child and pass its status on
        return subprocess.call(list(command), env=env)  # noqa: S603
    try:
        os.execvpe(command[0], list(command), env)  # noqa: S606
    except FileNotFoundError:
        print(f"openai-vertex run: command not found: {command[0]}", file=sys.stderr)
        return 127
    except PermissionError:
        print(f"openai-vertex run: permission denied: {command[0]}", file=sys.stderr)
        return 126
    return 0  # not reached: exec replaced this process
