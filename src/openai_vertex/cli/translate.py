"""``openai-vertex translate``: show the body Vertex would receive for a Chat Completions request.

Offline on purpose (no credentials, no network): it runs the same pure translation the client runs,
so users can see what their request becomes, which warnings it raises, and what the client would do
with each image URL, before sending anything.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path
from typing import Any

from ._args import add_model_alias, model_aliases
from ._errors import InputError

__all__ = ["DESCRIPTION", "FLAGS", "HELP", "add_arguments", "run"]

FLAGS = {"model_aliases": "--model-alias", "unsupported_params": "--unsupported-params"}

HELP = "print the body Vertex would receive for a Chat Completions request (offline)"
DESCRIPTION = (
    "Translate a Chat Completions request body (JSON: the arguments of "
    "chat.completions.create, extra_body included) into the body sent to Vertex. Prints it on "
    "stdout, and on stderr every compatibility warning, unknown top-level keys, and what the client "
    "would do with each image URL (fetch, pass through or refuse); exits 2 if the file or the request "
    "is unusable. Needs no credentials and makes no network call. OPENAI_VERTEX_MODEL_ALIASES, "
    "OPENAI_VERTEX_UNSUPPORTED_PARAMS and OPENAI_VERTEX_IMAGE_URLS apply unless the options below "
    "are given."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.json", help="the request body as JSON, or - for stdin")
    add_model_alias(
        parser, default=None, help="map a model name to a Vertex model (repeatable), like model_aliases="
    )
    parser.add_argument(
        "--unsupported-params",
        choices=("warn", "drop", "error"),
        default=None,
        help="what to do with parameters Vertex does not support "
        "(default: OPENAI_VERTEX_UNSUPPORTED_PARAMS, else warn)",
    )


def run(args: argparse.Namespace) -> int:
    """Errors (a bad file, setting or request) reach main(), which prints them and exits 2."""
    from .._settings import resolve_settings
    from .._translate.chat import translate_chat_body
    from ._images import image_plans

    body = _read(args.file)
    for key in unknown_keys(body):
        print(f"warning: {key}", file=sys.stderr)
    aliases = model_aliases(args.model_alias) if args.model_alias else None
    settings = resolve_settings(model_aliases=aliases, unsupported_params=args.unsupported_params)
    # In a file, extra_body is what the SDK call would get as extra_body= (both documented forms work).
    extra = body.pop("extra_body", None)
    translation = translate_chat_body(body, settings, extra if isinstance(extra, dict) else None)
    for note in translation.notes:
        print(f"warning: {note}", file=sys.stderr)
    plans = image_plans(translation.body, settings.image_urls)
    for plan in plans:
        print(plan, file=sys.stderr)
    refused = [plan for plan in plans if plan.action == "refuse"]
    if refused:  # the client would raise before sending: there is no body to show
        raise InputError(f"the client would refuse {len(refused)} image URL(s): {refused[0].reason}")
    print(json.dumps(translation.body, indent=2, ensure_ascii=False))
    return 0


def known_keys() -> frozenset[str]:
    """The arguments of ``chat.completions.create`` in the installed SDK, and what the translator reads."""
    import inspect

    from openai.resources.chat.completions import Completions

    from .._translate.params import HANDLED

    return frozenset(inspect.signature(Completions.create).parameters) - {"self"} | HANDLED | {"google"}


def unknown_keys(body: dict[str, Any]) -> list[str]:
    """A warning for each top-level key no SDK argument has, with the closest known name."""
    known = sorted(known_keys())
    warnings = []
    for key in body:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "not an argument of chat.completions.create"
            warnings.append(f"unknown key {key!r} ({hint})")
    return warnings


def _read(path: str) -> dict[str, Any]:
    """The body, or InputError naming the file (and line:column for bad JSON)."""
    name = "<stdin>" if path == "-" else path
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{name} is not UTF-8 text") from None
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:  # file:line:column, the form editors jump to
        raise InputError(f"{name}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    if not isinstance(body, dict):
        raise InputError(f"{name}: expected a JSON object (a Chat Completions request body)")
    return body
