"""``openai-vertex demo``: run the README quickstart."""

from __future__ import annotations

import argparse
import sys

HELP = "run the README quickstart (on the bundled emulator when there are no Google credentials)"
DESCRIPTION = (
    "Run the README quickstart: a chat completion, then the same streamed. Without Google "
    "credentials it runs on the bundled local emulator (FakeVertex + FakeGoogleAuth)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--emulator", dest="live", action="store_false", default=None, help="always use the bundled emulator"
    )
    where.add_argument(
        "--live", dest="live", action="store_true", help="always use real Vertex AI (needs ADC)"
    )


def run(args: argparse.Namespace) -> int:
    from ._demo import run_demo

    return run_demo(live=args.live, out=sys.stdout)
