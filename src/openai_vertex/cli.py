"""The ``openai-vertex`` command.

argparse (standard library): no extra dependency and no import cost for the library itself;
the commands are few and flat, which is what argparse does well.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openai-vertex",
        description="Run code written for the OpenAI Python SDK on Gemini in Vertex AI.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo",
        help="run the README quickstart (on the bundled emulator when there are no Google credentials)",
        description="Run the README quickstart: a chat completion, then the same streamed. Without Google "
        "credentials it runs on the bundled local emulator (FakeVertex + FakeGoogleAuth).",
    )
    where = demo.add_mutually_exclusive_group()
    where.add_argument(
        "--emulator", dest="live", action="store_false", default=None, help="always use the emulator"
    )
    where.add_argument(
        "--live", dest="live", action="store_true", help="always use real Vertex AI (needs ADC)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from ._demo import run_demo

        return run_demo(live=args.live, out=sys.stdout)
    return 2  # unreachable: argparse requires a known command


if __name__ == "__main__":
    sys.exit(main())
