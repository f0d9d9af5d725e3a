"""Chat messages and their content parts, rewritten into what Vertex accepts.

Runs on every request, so the common case (string content, text parts) costs one type check per
message and nothing is copied; a message or part is copied only when something in it changes.
Sources for each rule: vertex_compat.md §1.2 (roles, ``detail``), §1.3 (parts), §1.8 (tool calls).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..exceptions import TranslationError
from .params import Context

__all__ = ["translate_messages"]

# OpenAI's input_audio formats, spelled as the MIME types Vertex's example uses ("audio/mp3").
_AUDIO_MIME = {"wav": "audio/wav", "mp3": "audio/mp3"}
# File extensions -> MIME types Gemini takes as inline data. A table, not `mimetypes`, because
# `mimetypes` reads system files on first use and differs between machines.
_FILE_MIME = {
    "pdf": "application/pdf",
    "txt": "text/plain",
    "md": "text/md",
    "csv": "text/csv",
    "html": "text/html",
    "htm": "text/html",
    "xml": "text/xml",
    "rtf": "text/rtf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "gif": "image/gif",
    "heic": "image/heic",
    "heif": "image/heif",
    "mp3": "audio/mp3",
    "wav": "audio/wav",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
    "aac": "audio/aac",
    "m4a": "audio/m4a",
    "mp4": "video/mp4",
    "mov": "video/mov",
    "mpeg": "video/mpeg",
    "mpg": "video/mpg",
    "avi": "video/avi",
    "wmv": "video/wmv",
    "flv": "video/x-flv",
    "webm": "video/webm",
    "3gp": "video/3gpp",
}
_PDF_BASE64 = "JVBERi0"  # "%PDF-" in base64: a nameless PDF is still recognisable
_DETAIL_NOTE = (
    "image_url 'detail' differed between images; models before Gemini 3 take one value per request, "
    "so every image now uses the first value given"
)


class _Details:
    """The first image ``detail`` of the request (one value per request before Gemini 3)."""

    __slots__ = ("first",)

    def __init__(self) -> None:
        self.first: Any = None


def translate_messages(messages: Any, ctx: Context) -> Any:
    """``messages`` itself when nothing changes, else a new list sharing the unchanged messages."""
    if not isinstance(messages, (list, tuple)):
        return messages  # Vertex reports a malformed list better than we could
    details = _Details()
    out: list[Any] | None = None
    for i, message in enumerate(messages):
        new = _message(message, i, ctx, details)
        if new is not message:
            if out is None:
                out = list(messages)
            out[i] = new
    return messages if out is None else out


def _message(message: Any, i: int, ctx: Context, details: _Details) -> Any:
    if type(message) is not dict and not isinstance(message, Mapping):
        return message
    role = message.get("role")
    content = message.get("content")
    changes: dict[str, Any] = {}
    if role == "developer":  # OpenAI's newer name for system instructions; Vertex knows only system
        changes["role"] = "system"
    if type(content) is not str and isinstance(content, (list, tuple)):
        parts = _parts(content, i, ctx, details)
        if parts is not content:
            changes["content"] = content = parts
    if role == "assistant":
        _assistant(message, content, i, changes)
        if "reasoning_content" in message:
            # Our own response field, echoed back by clients that append the returned message:
            # Vertex takes no such input (and strips earlier turns' thoughts anyway).
            return {k: v for k, v in {**message, **changes}.items() if k != "reasoning_content"}
    return {**message, **changes} if changes else message


def _assistant(message: Mapping[str, Any], content: Any, i: int, changes: dict[str, Any]) -> None:
    calls = message.get("tool_calls")
    legacy = message.get("function_call")
    if (calls or legacy) and (content == "" or (isinstance(content, (list, tuple)) and not content)):
        # Vertex turns "" into an empty text part and rejects the request; None is accepted.
        changes["content"] = None
    if isinstance(calls, (list, tuple)) and calls:
        new_calls = [_tool_call(c, f"messages[{i}].tool_calls[{k}]") for k, c in enumerate(calls)]
        if any(new is not old for new, old in zip(new_calls, calls, strict=True)):
            changes["tool_calls"] = new_calls
    if isinstance(legacy, Mapping):
        new_legacy = _function(legacy, f"messages[{i}].function_call")
        if new_legacy is not legacy:
            changes["function_call"] = new_legacy


def _tool_call(call: Any, where: str) -> Any:
    fn = call.get("function") if isinstance(call, Mapping) else None
    if not isinstance(fn, Mapping):
        return call
    new = _function(fn, where)
    return call if new is fn else {**call, "function": new}


def _function(fn: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    """Replayed call arguments: Vertex parses them into a Struct and fails the whole request otherwise."""
    args = fn.get("arguments")
    if args is None or args == "":
        return {**fn, "arguments": "{}"}  # a call without arguments
    if isinstance(args, Mapping):
        return {**fn, "arguments": json.dumps(args)}  # an object where OpenAI wants its JSON text
    if not isinstance(args, str):
        raise TranslationError(f"{where}.function.arguments must be a JSON string, got {type(args).__name__}")
    try:
        value = json.loads(args)
    except ValueError as exc:
        raise TranslationError(
            f"{where}.function.arguments (function {fn.get('name')!r}) is not valid JSON "
            f"({exc}); Vertex rejects the whole request: replay the arguments the model returned, "
            "or replace them with a JSON object such as '{}'"
        ) from None
    if not isinstance(value, dict):
        raise TranslationError(
            f"{where}.function.arguments (function {fn.get('name')!r}) must be a JSON object, "
            f"not {type(value).__name__}; Vertex takes function arguments as an object"
        )
    return fn


def _parts(parts: list[Any] | tuple[Any, ...], i: int, ctx: Context, details: _Details) -> Any:
    out: list[Any] | None = None
    for j, part in enumerate(parts):
        if type(part) is not dict and not isinstance(part, Mapping):
            continue
        kind = part.get("type")
        if kind == "text" and "prompt_cache_breakpoint" not in part:
            continue  # the common case, first
        new = part
        if kind == "image_url":
            new = _image(part, ctx, details)
        elif kind == "input_audio":
            new = _audio(part)
        elif kind == "file":
            new = _file(part, f"messages[{i}].content[{j}]")
        if "prompt_cache_breakpoint" in new:  # OpenAI prompt caching; Vertex has no such marker
            ctx.unsupported_param("prompt_cache_breakpoint")
            new = {k: v for k, v in new.items() if k != "prompt_cache_breakpoint"}
        if new is not part:
            if out is None:
                out = list(parts)
            out[j] = new
    return parts if out is None else out


def _image(part: Mapping[str, Any], ctx: Context, details: _Details) -> Mapping[str, Any]:
    image = part.get("image_url")
    if not isinstance(image, Mapping) or ctx.gemini3:
        return part  # the bare-string form has no detail; Gemini 3 takes detail per part
    detail = image.get("detail")
    if detail is None:
        return part
    if details.first is None:
        details.first = detail
        return part
    if detail == details.first:
        return part
    # Vertex errors on mixed values before Gemini 3; the first value is the user's clearest intent.
    ctx.note(_DETAIL_NOTE)
    return {**part, "image_url": {**image, "detail": details.first}}


def _audio(part: Mapping[str, Any]) -> Mapping[str, Any]:
    audio = part.get("input_audio")
    if not isinstance(audio, Mapping):
        return part
    fmt = audio.get("format")
    if not isinstance(fmt, str) or "/" in fmt:
        return part  # already a MIME type: "Using Gemini, all valid MIME types are supported"
    name = fmt.lower()
    return {**part, "input_audio": {**audio, "format": _AUDIO_MIME.get(name, f"audio/{name}")}}


def _file(part: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    """OpenAI's file part -> an image_url data URL (as blob data "can be used as any multimodal input")."""
    file = part.get("file")
    if not isinstance(file, Mapping):
        raise TranslationError(f"{where}: a 'file' part needs a 'file' object with 'file_data'")
    data = file.get("file_data")
    if not isinstance(data, str) or not data:
        if file.get("file_id"):
            raise TranslationError(
                f"{where}: file_id {file['file_id']!r} refers to OpenAI's Files API, which Vertex does not "
                "have; send the content inline as file_data (base64, with a filename), or as an image_url "
                "part with a gs:// URI or a data: URL"
            )
        raise TranslationError(f"{where}: a 'file' part needs 'file_data' (base64 content, with a filename)")
    if data.startswith("data:"):
        url = data
    else:
        url = f"data:{_file_mime(file.get('filename'), data, where)};base64,{data}"
    new: dict[str, Any] = {"type": "image_url", "image_url": {"url": url}}
    if "prompt_cache_breakpoint" in part:
        new["prompt_cache_breakpoint"] = part["prompt_cache_breakpoint"]  # left to the policy check
    return new


def _file_mime(filename: Any, data: str, where: str) -> str:
    name = filename if isinstance(filename, str) else ""
    stem, dot, ext = name.rpartition(".")
    mime = _FILE_MIME.get(ext.lower()) if dot and stem else None
    if mime is None and data.startswith(_PDF_BASE64):
        mime = "application/pdf"
    if mime is None:
        # The filename only: never any of the file's bytes.
        raise TranslationError(
            f"{where}: cannot tell the file type of {name or 'a file without a filename'!r}; give a "
            "filename with a known extension (.pdf, .txt, .png, .mp3, ...) or pass file_data as a "
            "data: URL ('data:<mime type>;base64,...')"
        )
    return mime
