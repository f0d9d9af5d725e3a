"""``openai-vertex emulator``: serve the fake Vertex endpoint and token server in the foreground.

Prints the environment to export (``export NAME=value`` lines, ready for a shell), then one JSON
line per request the fake receives, until Ctrl-C.

Exit status: 2 for a bad --project, --location, --model or --log (checked before anything starts),
130 on Ctrl-C (the only way it ends).
"""

from __future__ import annotations

import argparse
import shlex
import time

__all__ = ["DESCRIPTION", "FLAGS", "HELP", "add_arguments", "run"]

FLAGS = {"vertex_project": "--project", "vertex_location": "--location"}

HELP = "serve a local Vertex emulator and print the environment that points programs at it"
DESCRIPTION = (
    "Start openai-vertex's fake Vertex endpoint and fake Google token server on 127.0.0.1, print "
    "the variables to export (then run any unmodified OpenAI program in that shell), and log each "
    "request it receives as one JSON line. Stop with Ctrl-C."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_emulator_options(parser)
    parser.add_argument("--log", metavar="FILE", help="also append the request log (JSON lines) to FILE")


def add_emulator_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", default="fake-project", help="project the emulator serves")
    parser.add_argument("--location", default="global", help="location the emulator serves")
    parser.add_argument(
        "--model",
        default="gemini-2.5-flash",
        help="Vertex model every hard-coded model name is aliased to (default: gemini-2.5-flash)",
    )
    add_extra_model(parser)


def add_extra_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--extra-model",
        action="append",
        default=[],
        metavar="ID",
        help="also serve this Gemini model id (one newer than the emulator's documented list); repeatable",
    )


def exports(environment: dict[str, str]) -> str:
    return "\n".join(f"export {name}={shlex.quote(value)}" for name, value in environment.items())


def run(args: argparse.Namespace) -> int:
    from ..testing.emulator import Emulator, describe, unserved_reason
    from ._args import check_flags
    from ._errors import InputError

    # The clients pointed here resolve these as settings: refuse now what they would refuse later.
    check_flags(vertex_project=args.project, vertex_location=args.location)
    reason = unserved_reason(args.model, args.location, args.extra_model)
    if reason is not None:  # every request would answer 404: say so now, with the closest ids
        raise InputError(f"--model {args.model}: {reason}")
    if args.log:
        try:  # now, not at the first request, which would end the emulator with a traceback
            open(args.log, "a", encoding="utf-8").close()
        except OSError as exc:
            raise InputError(f"cannot write --log {args.log}: {exc.strerror or exc}") from None

    with Emulator(
        project=args.project, location=args.location, model=args.model, extra_models=args.extra_model
    ) as emulator:
        print("# openai-vertex emulator: export these, then run your program in that shell")
        print(exports(emulator.environment()), flush=True)
        print("# request log (one JSON line per request; Ctrl-C stops):", flush=True)
        seen = 0
        while True:  # Ctrl-C ends it: main() turns KeyboardInterrupt into status 130
            requests = emulator.requests
            for request in requests[seen:]:
                line = describe(request)
                print(line, flush=True)
                if args.log:
                    with open(args.log, "a", encoding="utf-8") as log:
                        log.write(line + "\n")
            seen = len(requests)
            time.sleep(0.1)
    return 0  # pragma: no cover - the loop ends only by an exception
