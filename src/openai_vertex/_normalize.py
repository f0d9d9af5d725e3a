"""Make Vertex's responses read like OpenAI's.

Errors: Vertex answers ``[{"error": {"code", "message", "status"}}]`` (a list) where OpenAI answers
``{"error": {"message", "type", "code", "param"}}``; the SDK then leaves ``e.code``/``e.type`` empty.

Bodies: `normalize_response` sees every chat-completions JSON body and every streamed chunk before
the SDK builds its models (the client calls it from ``_process_response_data``). It fills a missing
``message`` and ``completion_tokens``, says "tool_calls" when there are tool calls, moves tagged
thoughts into ``reasoning_content``, writes thought signatures into tool-call ids, and hands chunks
to the stream's `StreamState`. Input dicts are never modified: the SDK may still hold them.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Mapping
from typing import Any

import openai

from ._stream import StreamState, fill_usage
from ._translate.signatures import with_signature_in_id
from ._translate.thoughts import split_thoughts, thought_marker

__all__ = ["normalize_completion", "normalize_error", "normalize_response", "request_marker"]

_CHAT_SUFFIX = b"/chat/completions"
# One state per stream, keyed by the SDK's response object and dropped with it.
_streams: weakref.WeakKeyDictionary[Any, StreamState] = weakref.WeakKeyDictionary()

_OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}

_HINTS = {
    401: (
        "openai-vertex: Vertex rejected the Google access token even after one refresh and retry. Check that "
        "the credentials are Google Cloud credentials (not an OpenAI or Gemini API key) and still valid: "
        "run 'gcloud auth application-default login', or check GOOGLE_APPLICATION_CREDENTIALS."
    ),
    403: (
        "openai-vertex: the credentials lack permission. Grant the principal roles/aiplatform.user on the "
        "project and enable the Vertex AI API (gcloud services enable aiplatform.googleapis.com)."
    ),
}


def normalize_error(err_msg: str, body: object, status_code: int) -> tuple[str, object]:
    """Return the (message, body) to build the SDK's status error from."""
    google = _google_error(body)
    if google is None:
        return err_msg, body
    status = google.get("status")
    error: dict[str, Any] = {
        "message": str(google.get("message", "")),
        "type": _OPENAI_TYPES.get(status_code, "server_error" if status_code >= 500 else "api_error"),
        "code": status if isinstance(status, str) else google.get("code"),
        "param": None,
    }
    if "details" in google:
        error["details"] = google["details"]
    normalized = {"error": error}
    message = f"Error code: {status_code} - {normalized}"
    hint = _HINTS.get(status_code)
    return (f"{message}\n{hint}" if hint else message), normalized


def _google_error(body: object) -> Mapping[str, Any] | None:
    if isinstance(body, list) and body and isinstance(body[0], Mapping):
        body = body[0]
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping) and ("status" in error or "type" not in error):
            return error
    return None


def normalize_response(data: object, response: Any) -> object:
    """``data`` as OpenAI would have sent it; anything but a chat-completions body passes as is.

    Runs for every body the SDK parses, so the common case (a plain reply) is kept to a few lookups;
    JSON gives plain dicts and lists, hence ``isinstance(…, dict)`` rather than the slower ABC check.
    """
    try:
        state = _streams.get(response)
    except TypeError:  # cannot be weakly referenced: not a response the SDK got over HTTP
        return data
    if isinstance(data, dict):
        if state is not None:  # a later chunk of a chat stream: the hot path
            return state.chunk(data)
        if "choices" not in data and "usage" not in data:  # e.g. each event of a Responses stream
            return data
    try:
        path = response.request.url.raw_path  # bytes, cheaper than the decoded .path
    except Exception:  # no request attached: not a response the SDK got from Vertex
        return data
    if not (path.endswith(_CHAT_SUFFIX) or _CHAT_SUFFIX + b"?" in path):
        return data
    if isinstance(data, dict):
        if _is_chunk(data):
            state = _streams[response] = StreamState(request_marker(response))
            return state.chunk(data)
        return normalize_completion(data, response)
    if isinstance(data, list):
        _raise_list_error(data, response)
    return data


def _is_chunk(data: Mapping[str, Any]) -> bool:
    kind = data.get("object")
    if kind == "chat.completion.chunk":
        return True
    if kind == "chat.completion":
        return False
    choices = data.get("choices")
    return (
        isinstance(choices, list)
        and bool(choices)
        and isinstance(choices[0], Mapping)
        and "delta" in choices[0]
    )


def _raise_list_error(data: list[Any], response: Any) -> None:
    """A Google error list inside a 200 (a stream that fails after it started): raise like the SDK does
    for an in-stream ``{"error": …}``, with the error normalized."""
    google = _google_error(data)
    if google is None:
        return
    code = google.get("code")
    _, normalized = normalize_error("", data, code if isinstance(code, int) else 500)
    error = normalized["error"] if isinstance(normalized, Mapping) else {}
    message = error.get("message") or "An error occurred during streaming"
    raise openai.APIError(message, response.request, body=error)


def request_marker(response: Any) -> str | None:
    """The ``thought_tag_marker`` the request asked for; the body is parsed only if it names one."""
    try:
        body = response.request.content
    except Exception:  # a streamed request body cannot be read back; chat bodies are plain bytes
        return None
    if not isinstance(body, (bytes, bytearray)) or b'"thought_tag_marker"' not in body:
        return None
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return thought_marker(parsed) if isinstance(parsed, Mapping) else None


def normalize_completion(data: Mapping[str, Any], response: Any = None) -> Mapping[str, Any]:
    """A non-streamed completion, repaired; ``data`` itself when nothing needed it (the common case)."""
    choices = data.get("choices")
    fixed_choices: list[Any] | None = None
    if isinstance(choices, list):
        for i, choice in enumerate(choices):
            fixed = _fix_choice(choice, response) if isinstance(choice, dict) else choice
            if fixed is not choice:
                if fixed_choices is None:
                    fixed_choices = list(choices)
                fixed_choices[i] = fixed
    usage = data.get("usage")
    fixed_usage = fill_usage(usage)
    if fixed_choices is None and fixed_usage is usage:
        return data
    out = dict(data)
    if fixed_choices is not None:
        out["choices"] = fixed_choices
    if "usage" in data:
        out["usage"] = fixed_usage
    return out


def _fix_choice(choice: dict[str, Any], response: Any) -> Mapping[str, Any]:
    message = choice.get("message")
    if isinstance(message, dict):
        content = message.get("content")
        if not message.get("tool_calls") and not (isinstance(content, str) and "<" in content):
            return choice  # a plain reply: nothing to do
        fixed = _fix_message(message, response)
        if choice.get("finish_reason") == "stop" and fixed.get("tool_calls"):
            return {**choice, "message": fixed, "finish_reason": "tool_calls"}
        return choice if fixed is message else {**choice, "message": fixed}
    if message is None:  # e.g. thinking used up max_tokens (agentgateway #1464), or a safety block
        return {**choice, "message": {"role": "assistant", "content": None}}
    return choice


def _fix_message(message: Mapping[str, Any], response: Any) -> Mapping[str, Any]:
    out: dict[str, Any] | None = None
    calls = message.get("tool_calls")
    if isinstance(calls, list) and calls:
        encoded = [with_signature_in_id(c) for c in calls]
        if any(new is not old for new, old in zip(encoded, calls, strict=True)):
            out = {**message, "tool_calls": encoded}
    content = message.get("content")
    if isinstance(content, str) and "<" in content:
        marker = request_marker(response)
        if marker is not None and f"<{marker}>" in content:
            text, reasoning = split_thoughts(content, marker)
            out = dict(message) if out is None else out
            # Only thoughts (e.g. before tool calls): null, as OpenAI sends, and as Vertex accepts back.
            out["content"] = text if text.strip() else None
            earlier = message.get("reasoning_content")
            out["reasoning_content"] = (earlier if isinstance(earlier, str) else "") + reasoning
    return message if out is None else out
