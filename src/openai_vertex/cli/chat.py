"""``openai-vertex chat``: one prompt to Gemini on Vertex, the answer streamed to the terminal.

Exit status (the rule of ``_errors.py``): 0 answered, 1 Vertex, the credentials or the network
failed, 2 bad input (a file that cannot be used, a bad setting, a request Vertex cannot take), 130
interrupted with Ctrl-C (128 + SIGINT, what shells report), each without a traceback.
"""

from __future__ import annotations

import argparse
import base64
import json
import mimetypes
import re
import sys
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._errors import InputError, status_of

# Vertex caps a request at 20 MB and base64 grows data by 4/3, so ~15 MB of raw file fits.
_MAX_IMAGE_BYTES = 15 * 1024 * 1024
_URL_SCHEMES = ("http", "https", "gs", "data")
_DOCTOR = "Run 'openai-vertex doctor --live' for a full check.\n"
_STOPPED = {
    "length": "the answer was cut at --max-tokens",
    "content_filter": "Vertex's safety filter stopped the answer",
}


HELP = "send one prompt to Gemini on Vertex AI and stream the answer"
DESCRIPTION = (
    "Send one prompt to Gemini on Vertex AI and stream the answer to standard output; "
    "token usage goes to standard error. Credentials, project and location come from the same "
    "places as for the library (Application Default Credentials, GOOGLE_CLOUD_PROJECT, "
    "GOOGLE_CLOUD_LOCATION, OPENAI_VERTEX_*). Exit status: 0 answered, 1 refused by Vertex or the "
    "credentials, 2 bad input, 130 interrupted (Ctrl-C)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("prompt", help='the prompt; "-" reads it from standard input')
    parser.add_argument("--model", default="gemini-2.5-flash", help="model or alias (default: %(default)s)")
    parser.add_argument("--system", metavar="TEXT", help="a system instruction")
    parser.add_argument(
        "--image",
        metavar="PATH_OR_URL",
        action="append",
        default=[],
        help="attach an image: a local file (sent inline) or an http(s)/gs:// URL; repeatable",
    )
    parser.add_argument("--json-schema", metavar="FILE", help="answer as JSON matching this JSON Schema file")
    parser.add_argument("--temperature", type=float, metavar="T", help="sampling temperature, e.g. 0.2")
    parser.add_argument("--max-tokens", type=_positive_int, metavar="N", help="cap on the answer's tokens")
    parser.add_argument("--quiet", action="store_true", help="do not print token usage to standard error")
    parser.add_argument(
        "--emulator", action="store_true", help="answer from the bundled local emulator (no Google account)"
    )


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def run(args: argparse.Namespace) -> int:  # an InputError is reported by main() (status 2)
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        raise InputError("the prompt is empty")
    content: Any = prompt
    if args.image:
        parts = [{"type": "image_url", "image_url": {"url": _image_url(image)}} for image in args.image]
        content = [{"type": "text", "text": prompt}, *parts]
    messages: list[Any] = [{"role": "system", "content": args.system}] if args.system else []
    messages.append({"role": "user", "content": content})
    options: dict[str, Any] = {}
    if args.json_schema:
        options["response_format"] = _response_format(Path(args.json_schema))
    if args.temperature is not None:
        options["temperature"] = args.temperature
    if args.max_tokens is not None:
        options["max_tokens"] = args.max_tokens

    emulator: AbstractContextManager[Any] = nullcontext()
    if args.emulator:
        from ._demo import emulator_environment

        emulator = emulator_environment()
    with emulator:
        return _stream(args, messages, options)


def _stream(args: argparse.Namespace, messages: list[Any], options: dict[str, Any]) -> int:
    import openai

    from .._client import OpenAI
    from ..exceptions import VertexOpenAIError

    out, err = sys.stdout, sys.stderr
    started = time.monotonic()
    usage, model, finish, last = None, args.model, None, "\n"
    client: Any = None
    try:
        client = OpenAI()
        # Asked for as OpenAI documents it: without include_usage no chunk carries usage (_usage_stream.py).
        with client.chat.completions.create(
            model=args.model,
            messages=messages,
            stream=True,
            stream_options={"include_usage": True},
            **options,
        ) as stream:
            for chunk in stream:
                usage = chunk.usage or usage  # the extra last chunk (no choices) carries it
                model = chunk.model or model
                for choice in chunk.choices[:1]:
                    finish = choice.finish_reason or finish
                    text = choice.delta.content if choice.delta else None
                    if text:
                        out.write(text)
                        out.flush()  # each piece as it arrives, even without a newline
                        last = text[-1]
    except openai.APIStatusError as exc:
        _write(out, "" if last == "\n" else "\n")
        _report_status_error(exc, client, args.model)
        return 1
    except (openai.APIConnectionError, VertexOpenAIError) as exc:
        _write(out, "" if last == "\n" else "\n")
        _write(err, f"openai-vertex chat: {type(exc).__name__}: {exc}\n{_DOCTOR}")
        return status_of(exc)  # 2 for a bad setting or a request Vertex cannot take
    except KeyboardInterrupt:
        _write(out, "" if last == "\n" else "\n")
        raise
    finally:
        if client is not None:
            client.close()
    _write(out, "" if last == "\n" else "\n")
    if finish in _STOPPED:
        _write(err, f"openai-vertex chat: {_STOPPED[finish]}\n")
    if not args.quiet:
        _write(err, _usage_line(usage, model, time.monotonic() - started))
    return 0


def _report_status_error(exc: Any, client: Any, model: str) -> None:
    from ._doctor_live import Where, api_error_summary, fix_for_api_error, where_set

    summary, text = api_error_summary(exc.body, str(exc))
    state = getattr(client, "_vertex", None)
    settings = state.settings if state is not None else None
    project = (settings.project if settings else None) or (state.source.project() if state else None)
    # chat has no --project/--location: the knobs are the environment variables, or the base URL.
    where = where_set(settings, {}) if settings is not None else Where()
    fix = fix_for_api_error(exc.status_code, text, project=project, model=model, where=where)
    _write(
        sys.stderr,
        f"openai-vertex chat: Vertex answered HTTP {exc.status_code}: {summary}\nfix: {fix}\n{_DOCTOR}",
    )


def _usage_line(usage: Any, model: str, seconds: float) -> str:
    if usage is None:
        return f"[{model}, {seconds:.1f} s, no usage reported]\n"
    details = getattr(usage, "completion_tokens_details", None)
    reasoning = getattr(details, "reasoning_tokens", None) if details else None
    thinking = f", {reasoning} of them thinking" if reasoning else ""
    return (
        f"[{model}, {seconds:.1f} s: {usage.prompt_tokens} prompt + {usage.completion_tokens} completion"
        f"{thinking} = {usage.total_tokens} tokens]\n"
    )


def _image_url(value: str) -> str:
    """URLs go as they are; a local file becomes a data: URL with its MIME type."""
    if urlsplit(value).scheme.lower() in _URL_SCHEMES:
        return value
    path = Path(value).expanduser()
    try:
        size = path.stat().st_size
        if size > _MAX_IMAGE_BYTES:
            raise InputError(
                f"image {value} is {size / 2**20:.1f} MB; Vertex takes at most about 15 MB inline"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read image {value}: {exc.strerror or exc}") from None
    from .._fetch.fetcher import _sniff

    # The bytes decide (a .jpg that is really a PNG is common); the extension is the fallback.
    mime = _sniff(data) or mimetypes.guess_type(path.name)[0]
    if mime is None or not (mime.startswith("image/") or mime == "application/pdf"):
        raise InputError(f"{value} is not an image file we recognise (type {mime or 'unknown'})")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _response_format(path: Path) -> dict[str, Any]:
    """A JSON Schema file, or a file holding OpenAI's ``json_schema`` object (name, schema, strict)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read --json-schema {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise InputError(f"--json-schema {path} is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InputError(f"--json-schema {path} must hold a JSON object (a JSON Schema)")
    if isinstance(document.get("schema"), dict) and isinstance(document.get("name"), str):
        spec = document
    else:
        name = re.sub(r"[^A-Za-z0-9_-]", "_", path.stem)[:64] or "answer"  # OpenAI's rule for names
        spec = {"name": name, "schema": document, "strict": True}
    return {"type": "json_schema", "json_schema": spec}


def _write(stream: Any, text: str) -> None:
    if not text:
        return
    try:
        stream.write(text)
        stream.flush()
    except (BrokenPipeError, ValueError):  # the reader went away (| head) or the stream is closed
        pass
