"""The one exit-status rule of ``openai-vertex``, and errors said in the words of the command line.

Exit status: 0 done; 2 bad input (the command line, a file it names, a setting from a flag or the
environment, a request Vertex cannot take: fix the input and run again); 1 a failed check or call
(Vertex, the credentials, the network, an image fetch); 130 interrupted (Ctrl-C). ``run`` passes its
program's own status through (126/127 when the program cannot be started, as shells do).

Library messages name a setting by its Python argument, written ``name=`` and optionally followed by
the value as a Python literal (``vertex_location='x'``, ``model_aliases={'a': 'b'}``), or by the bare
name where the message starts with it (``base_url must be ...``). :func:`in_flags` rewrites those to
the flags of the command the user ran, in this one place, so every hint names the knob they have.
"""

from __future__ import annotations

import ast
import re
import shlex
from collections.abc import Mapping

__all__ = ["BAD_INPUT", "FAILED", "InputError", "in_flags", "status_of"]

BAD_INPUT = 2
FAILED = 1

# The library's arguments that a command may offer as a flag (``resolve_settings``' keywords).
_ARGUMENTS = (
    "vertex_project",
    "vertex_location",
    "api_version",
    "base_url",
    "model_aliases",
    "unsupported_params",
    "image_urls",
)
# name, then optionally "=" and a value: 'quoted' or {a dict literal}; never inside a longer name.
_MENTION = re.compile(
    r"(?<![\w.-])(?P<name>" + "|".join(_ARGUMENTS) + r")(?![\w-])(?P<eq>=(?P<value>'[^']*'|\{[^{}]*\})?)?"
)


class InputError(Exception):
    """Bad input found by a command: a file that cannot be read or used, a bad value (status 2)."""


def status_of(exc: BaseException) -> int:
    """2 when the user's input is wrong, 1 when a check or call failed."""
    from ..exceptions import ConfigurationError, TranslationError

    return BAD_INPUT if isinstance(exc, (InputError, ConfigurationError, TranslationError)) else FAILED


def in_flags(message: str, flags: Mapping[str, str]) -> str:
    """``message`` with each library argument that ``flags`` maps (argument -> flag) named as the flag.

    ``vertex_location='x'`` becomes ``--location x``, a bare ``vertex_location=`` ``--location``, and
    ``model_aliases={'a': 'b'}`` ``--model-alias a=b``. Arguments the command has no flag for are
    left as they are: the message names their environment variable beside them.
    """

    def replace(match: re.Match[str]) -> str:
        flag = flags.get(match["name"])
        if flag is None:
            return match[0]
        value = match["value"]
        if value is None:
            return flag
        literal = ast.literal_eval(value)
        if isinstance(literal, dict):  # model_aliases={...}: one repeatable flag per entry
            return " ".join(f"{flag} {shlex.quote(f'{k}={v}')}" for k, v in literal.items())
        return f"{flag} {shlex.quote(str(literal))}"

    return _MENTION.sub(replace, message)
