"""Carry Gemini thought signatures through code that drops unknown fields.

Gemini 3 answers a replayed function call without its ``thought_signature`` with a 400
(vertex_compat.md §1.4, §2 pain 2). Vertex puts the signature in ``tool_calls[i].extra_content``,
which frameworks lose when they rebuild tool calls from ``id``/``type``/``function``. The one field
every framework keeps, and echoes back in the tool message, is the id. So the response side writes
the signature into it, ``f"{id}{SEPARATOR}{signature}"``, and the request side takes it out again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "SEPARATOR",
    "decode_call_id",
    "encode_call_id",
    "restore_signatures",
    "signature_of",
    "with_signature_in_id",
]

# Underscores are not in the standard base64 alphabet Vertex uses for signatures, and no tool-call id
# seen from Vertex or OpenAI contains this sequence; decoding splits at its first occurrence, so a
# signature may hold anything. Ids get as long as the signature (hundreds of characters): fine for
# the OpenAI SDK and the common frameworks, which keep ids as opaque strings.
SEPARATOR = "__vts__"


def encode_call_id(call_id: str, signature: str) -> str:
    if not signature or SEPARATOR in call_id:  # already carries one: encoding again would nest
        return call_id
    return f"{call_id}{SEPARATOR}{signature}"


def decode_call_id(call_id: str) -> tuple[str, str | None]:
    """(the id Vertex issued, the signature or None)."""
    original, sep, signature = call_id.partition(SEPARATOR)
    return (original, signature) if sep and signature else (call_id, None)


def signature_of(call: Mapping[str, Any]) -> str | None:
    extra = call.get("extra_content")
    google = extra.get("google") if isinstance(extra, Mapping) else None
    signature = google.get("thought_signature") if isinstance(google, Mapping) else None
    return signature if isinstance(signature, str) and signature else None


def restore_signatures(messages: Sequence[Any]) -> list[Any]:
    """Messages with encoded ids decoded and signatures back in ``extra_content``.

    Pure: returns ``messages`` itself (when it is a list) if nothing needed changing, else a new list
    that shares the unchanged messages. A signature already in ``extra_content`` wins over the id's.
    """
    out: list[Any] | None = None
    for i, message in enumerate(messages):
        fixed = _restore_message(message) if isinstance(message, Mapping) else message
        if fixed is not message:
            if out is None:
                out = list(messages[:i])
            out.append(fixed)
        elif out is not None:
            out.append(message)
    if out is not None:
        return out
    return messages if isinstance(messages, list) else list(messages)


def _restore_message(message: Mapping[str, Any]) -> Mapping[str, Any]:
    role = message.get("role")
    if role == "tool":
        call_id = message.get("tool_call_id")
        if isinstance(call_id, str) and SEPARATOR in call_id:
            return {**message, "tool_call_id": decode_call_id(call_id)[0]}
    elif role == "assistant":
        calls = message.get("tool_calls")
        if isinstance(calls, list) and calls:
            restored = [_restore_call(c) if isinstance(c, Mapping) else c for c in calls]
            if any(new is not old for new, old in zip(restored, calls, strict=True)):
                return {**message, "tool_calls": restored}
    return message


def _restore_call(call: Mapping[str, Any]) -> Mapping[str, Any]:
    call_id = call.get("id")
    if not isinstance(call_id, str):
        return call
    original, signature = decode_call_id(call_id)
    if signature is None:
        return call
    restored = {**call, "id": original}
    if signature_of(call) is None:
        extra = call.get("extra_content")
        extra = extra if isinstance(extra, Mapping) else {}
        google = extra.get("google")
        google = google if isinstance(google, Mapping) else {}
        restored["extra_content"] = {**extra, "google": {**google, "thought_signature": signature}}
    return restored


def with_signature_in_id(call: Any) -> Any:
    """A response tool call whose id also carries its signature (``extra_content`` is kept too)."""
    if not isinstance(call, Mapping):
        return call
    call_id = call.get("id")
    signature = signature_of(call)
    if not isinstance(call_id, str) or signature is None:
        return call
    encoded = encode_call_id(call_id, signature)
    return call if encoded == call_id else {**call, "id": encoded}
