"""Command-line options that more than one command takes, defined once."""

from __future__ import annotations

import argparse

__all__ = ["add_model_alias", "model_aliases"]


def add_model_alias(parser: argparse.ArgumentParser, *, help: str, default: list[str] | None) -> None:
    """``--model-alias NAME=MODEL``, repeatable; read the values with :func:`model_aliases`."""
    parser.add_argument("--model-alias", action="append", default=default, metavar="NAME=MODEL", help=help)


def model_aliases(items: list[str]) -> dict[str, str]:
    """The ``--model-alias`` values as a mapping; ConfigurationError (a ValueError) names a bad one."""
    from .._settings import parse_model_aliases

    return parse_model_aliases(",".join(items), source="--model-alias")
