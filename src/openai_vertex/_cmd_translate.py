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


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "translate",
        help="print the body Vertex would receive for a Chat Completions request (offline)",
        description="Translate a Chat Completions request body (JSON: the arguments of "
        "chat.completions.create, extra_body included) into the body sent to Vertex. Prints it on "
        "stdout and every compatibility warning on stderr; exits 1 if the request cannot be translated. "
        "Needs no credentials and makes no network call. OPENAI_VERTEX_MODEL_ALIASES and "
        "OPENAI_VERTEX_UNSUPPORTED_PARAMS apply unless the options below are given.",
    )
    parser.add_argument("file", metavar="FILE.json", help="the request body as JSON, or - for stdin")
    parser.add_argument(
        "--model-alias",
        action="append",
        default=None,
        metavar="NAME=MODEL",
        help="map a model name to a Vertex model (repeatable), like model_aliases=",
    )
    parser.add_argument(
        "--unsupported-params",
        choices=("warn", "drop", "error"),
        default=None,
        help="what to do with parameters Vertex does not support "
        "(default: OPENAI_VERTEX_UNSUPPORTED_PARAMS, else warn)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ._settings import resolve_settings
    from ._translate.chat import translate_chat_body
    from .exceptions import VertexOpenAIError

    try:
        body = _read(args.file)
        aliases = _aliases(args.model_alias) if args.model_alias else None
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


def _aliases(items: list[str]) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for item in items:
        name, sep, model = (s.strip() for s in item.partition("="))
        if not sep or not name or not model:
            raise ValueError(f"--model-alias {item!r} is not NAME=MODEL; write e.g. gpt-4o=gemini-2.5-pro")
        aliases[name] = model
    return aliases


def _read(path: str) -> dict[str, Any]:
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    body = json.loads(text)
    if not isinstance(body, dict):
        raise ValueError(f"{path}: expected a JSON object (a Chat Completions request body)")
    return body
