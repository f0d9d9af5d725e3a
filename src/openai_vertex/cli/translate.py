"""``openai-vertex translate``: show the body Vertex would receive for a Chat Completions request.

Offline on purpose (no credentials, no network): it runs the same pure translation the client runs,
so users can see what their request becomes, and which warnings it raises, before sending anything.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ._args import add_model_alias, model_aliases

HELP = "print the body Vertex would receive for a Chat Completions request (offline)"
DESCRIPTION = (
    "Translate a Chat Completions request body (JSON: the arguments of "
    "chat.completions.create, extra_body included) into the body sent to Vertex. Prints it on "
    "stdout and every compatibility warning on stderr; exits 1 if the request cannot be translated. "
    "Needs no credentials and makes no network call. OPENAI_VERTEX_MODEL_ALIASES and "
    "OPENAI_VERTEX_UNSUPPORTED_PARAMS apply unless the options below are given."
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
    from .._settings import resolve_settings
    from .._translate.chat import translate_chat_body
    from ..exceptions import VertexOpenAIError

    try:
        body = _read(args.file)
        aliases = model_aliases(args.model_alias) if args.model_alias else None
        settings = resolve_settings(model_aliases=aliases, unsupported_params=args.unsupported_params)
        # In a file, extra_body is what the SDK call would get as extra_body= (both documented forms work).
        extra = body.pop("extra_body", None)
        translation = translate_chat_body(body, settings, extra if isinstance(extra, dict) else None)
    except (OSError, ValueError, VertexOpenAIError) as exc:  # ValueError: bad JSON, or TranslationError
        print(f"openai-vertex translate: error: {exc}", file=sys.stderr)
        return 1
    for note in translation.notes:
        print(f"warning: {note}", file=sys.stderr)
    print(json.dumps(translation.body, indent=2, ensure_ascii=False))
    return 0


def _read(path: str) -> dict[str, Any]:
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    body = json.loads(text)
    if not isinstance(body, dict):
        raise ValueError(f"{path}: expected a JSON object (a Chat Completions request body)")
    return body
