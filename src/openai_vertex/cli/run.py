"""``openai-vertex run -- COMMAND ...``: run any program with openai patched for Vertex.

Like ``opentelemetry-instrument`` and ``ddtrace-run``: the command is exec'd (same process, so exit
status and signals are the program's own) with ``OPENAI_VERTEX=1`` and a folder holding a bootstrap
``sitecustomize`` put first on ``PYTHONPATH``. That ``sitecustomize`` turns on environment-only mode,
then chains to the program's own ``sitecustomize``. Options are passed as the environment variables
environment-only mode reads.

Exit status: the program's own; before it starts, 2 for bad input (no command, a bad flag: checked
here, so the program does not start only to fail on it), 127 command not found, 126 not executable
(as shells report them).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from ._args import add_model_alias, check_flags, model_aliases
from ._errors import InputError
from .emulator import add_extra_model

__all__ = ["DESCRIPTION", "FLAGS", "HELP", "add_arguments", "run", "run_environment"]

FLAGS = {"vertex_project": "--project", "vertex_location": "--location", "model_aliases": "--model-alias"}

SITE_DIR = str(Path(__file__).resolve().parent / "_run_site")


HELP = "run a program with openai patched for Vertex (no code changes)"
DESCRIPTION = (
    "Run COMMAND with every openai.OpenAI()/AsyncOpenAI() and the module-level client "
    "sent to Gemini on Vertex AI, configured from the environment (OPENAI_VERTEX_*, GOOGLE_CLOUD_*, "
    "Application Default Credentials). Example: openai-vertex run --model-alias gpt-4o=gemini-2.5-pro "
    "-- python app.py"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", help="Google Cloud project (sets GOOGLE_CLOUD_PROJECT)")
    parser.add_argument("--location", help="Vertex location, e.g. global (sets GOOGLE_CLOUD_LOCATION)")
    add_model_alias(
        parser,
        default=[],
        help="map a hard-coded model name to a Vertex model; repeatable; '*=MODEL' covers every name "
        "(adds to OPENAI_VERTEX_MODEL_ALIASES)",
    )
    parser.add_argument(
        "--emulator",
        action="store_true",
        help="start a local Vertex emulator for the program's lifetime and point it there "
        "(see 'openai-vertex emulator'); its request log is printed to stderr at the end",
    )
    add_extra_model(parser)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the program and its arguments, after --")


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
        raise InputError("no command given; usage: openai-vertex run -- python app.py")
    # Bad flags are reported here (status 2, main() names the flag), not by the program at start-up.
    if args.model_alias:
        model_aliases(args.model_alias)
    check_flags(vertex_project=args.project, vertex_location=args.location)
    if args.extra_model and not args.emulator:
        raise InputError("--extra-model is for the emulator: add --emulator, or drop --extra-model")
    env = run_environment(args, os.environ)
    if args.emulator:
        return _run_with_emulator(list(command), env, location=args.location, extra_models=args.extra_model)
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


def _run_with_emulator(
    command: list[str], env: dict[str, str], *, location: str | None, extra_models: list[str]
) -> int:
    """The program as a child (the emulator lives in this process until it exits), then the log."""
    from ..testing.emulator import Emulator, describe

    with Emulator(location=location or "global", extra_models=extra_models) as emulator:
        child_env = {**env, **emulator.environment()}
        if env.get("OPENAI_VERTEX_MODEL_ALIASES"):  # --model-alias and the user's own aliases win
            child_env["OPENAI_VERTEX_MODEL_ALIASES"] = env["OPENAI_VERTEX_MODEL_ALIASES"]
        try:
            status = subprocess.call(command, env=child_env)  # noqa: S603
        except FileNotFoundError:
            print(f"openai-vertex run: command not found: {command[0]}", file=sys.stderr)
            return 127
        for request in emulator.requests:
            print(f"openai-vertex emulator: {describe(request)}", file=sys.stderr)
    return status
