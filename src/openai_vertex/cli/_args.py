"""Command-line options that more than one command takes, defined once."""

from __future__ import annotations

import argparse
import os

__all__ = ["add_model_alias", "check_flags", "model_aliases"]


def add_model_alias(parser: argparse.ArgumentParser, *, help: str, default: list[str] | None) -> None:
    """``--model-alias NAME=MODEL``, repeatable; read the values with :func:`model_aliases`."""
    parser.add_argument("--model-alias", action="append", default=default, metavar="NAME=MODEL", help=help)


def model_aliases(items: list[str]) -> dict[str, str]:
    """The ``--model-alias`` values as a mapping; ConfigurationError (a ValueError) names a bad one."""
    from .._settings import parse_model_aliases

    return parse_model_aliases(",".join(items), source="--model-alias")


def check_flags(**arguments: str | None) -> None:
    """Raise ConfigurationError for a bad flag value before the command does anything.

    ``arguments`` are ``resolve_settings``' keywords (the command's ``FLAGS`` turn their names into
    the flags in the message). Only the flags are checked, not the environment: a bad variable is
    reported where it is used, naming the variable. The extra-locations escape hatch still applies.
    """
    from .._locations import EXTRA_LOCATIONS_VAR
    from .._settings import resolve_settings

    given = {name: value for name, value in arguments.items() if value is not None}
    if given:
        extra = os.environ.get(EXTRA_LOCATIONS_VAR, "")
        resolve_settings(**given, environ={EXTRA_LOCATIONS_VAR: extra})  # type: ignore[arg-type]
