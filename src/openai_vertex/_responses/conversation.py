"""What the store keeps of one response, and how an earlier one continues (``previous_response_id``).

A record holds the ``Response``, the request's input items (with ids, for ``input_items.list``) and
the conversation so far as Vertex-ready chat messages: the next turn prepends them as they are, so
nothing is translated twice. Instructions are not part of it: OpenAI does not carry them over either.

The store keeps no image or file bytes (a stored response must never hold them): URLs are kept as the
caller gave them (fetched again when the conversation continues), and inline ``data:`` images and file
data are replaced by a marker; continuing such a conversation warns that the model no longer sees them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .._translate.signatures import restore_signatures
from .._warnings import warn_compatibility
from .ids import new_id

__all__ = ["NOT_KEPT", "assistant_message", "continued", "input_page", "record_of"]

NOT_KEPT = "[omitted: the response store keeps no image or file bytes; send it again to show it to the model]"

_ITEM_PREFIX = {"message": "msg", "function_call": "fc", "function_call_output": "fco", "reasoning": "rs"}


def continued(chat: Mapping[str, Any], system: int, earlier: Mapping[str, Any] | None) -> dict[str, Any]:
    """The chat body with the earlier conversation between the instructions and the new input."""
    if earlier is None:
        return dict(chat)
    messages = list(chat.get("messages") or ())
    history = list(earlier.get("conversation") or ())
    if NOT_KEPT in json.dumps(history):
        warn_compatibility(
            f"previous_response_id: an earlier turn's inline image or file was not stored ({NOT_KEPT[1:-1]})"
        )
    return {**chat, "messages": [*messages[:system], *history, *messages[system:]]}


def assistant_message(output: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The chat assistant message for a response's output (thought signatures back in place)."""
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for item in output:
        if item.get("type") == "message":
            texts += [
                str(p.get("text") or "") for p in item.get("content") or () if p.get("type") == "output_text"
            ]
        elif item.get("type") == "function_call":
            fn = {"name": item.get("name"), "arguments": item.get("arguments") or "{}"}
            calls.append({"id": item.get("call_id"), "type": "function", "function": fn})
    text = "".join(texts)
    if not text and not calls:
        return None
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if calls:
        message["tool_calls"] = calls
    restored: dict[str, Any] = restore_signatures([message])[0]
    return restored


def record_of(
    envelope: Mapping[str, Any], chat: Mapping[str, Any], response: Mapping[str, Any]
) -> dict[str, Any]:
    """The stored record; ``chat`` is the body that was sent (history included)."""
    system = envelope.get("system") or 0
    conversation = [_message_kept(message) for message in list(chat.get("messages") or ())[system:]]
    reply = assistant_message(response.get("output") or ())
    if reply is not None:
        conversation.append(reply)
    items = []
    for item in envelope.get("input") or ():
        kind = item.get("type", "message")
        items.append({"id": new_id(_ITEM_PREFIX.get(kind, "item")), **_item_kept(item), "type": kind})
    return {"response": dict(response), "input": items, "conversation": conversation}


def _is_inline(value: object) -> bool:
    return isinstance(value, str) and value[:5].lower() == "data:"


def _message_kept(message: Mapping[str, Any]) -> Mapping[str, Any]:
    """A chat message without inline bytes: such an image or file part becomes a marker text part."""
    content = message.get("content")
    if not isinstance(content, list):
        return message
    parts = []
    for part in content:
        image = part.get("image_url") if isinstance(part, Mapping) else None
        url = image.get("url") if isinstance(image, Mapping) else image
        file = part.get("file") if isinstance(part, Mapping) else None
        inline_file = isinstance(file, Mapping) and file.get("file_data") is not None
        parts.append({"type": "text", "text": NOT_KEPT} if _is_inline(url) or inline_file else part)
    return {**message, "content": parts}


def _item_kept(item: Mapping[str, Any]) -> Mapping[str, Any]:
    """An input item for ``input_items.list`` with inline image data and file data replaced by the marker."""
    content = item.get("content")
    if not isinstance(content, list):
        return item
    parts = []
    for part in content:
        if isinstance(part, Mapping) and _is_inline(part.get("image_url")):
            part = {**part, "image_url": NOT_KEPT}
        if isinstance(part, Mapping) and part.get("file_data") is not None:
            part = {**part, "file_data": NOT_KEPT}
        parts.append(part)
    return {**item, "content": parts}


def input_page(record: Mapping[str, Any], query: Mapping[str, str]) -> dict[str, Any]:
    """One page of ``input_items.list`` (``order`` desc by default, ``after``, ``limit`` 1..100)."""
    items = list(record.get("input") or ())
    if query.get("order", "desc") != "asc":
        items.reverse()
    after = query.get("after")
    if after:
        ids = [item.get("id") for item in items]
        items = items[ids.index(after) + 1 :] if after in ids else []
    try:
        limit = min(max(int(query.get("limit", "20")), 1), 100)
    except ValueError:
        limit = 20
    page = items[:limit]
    return {
        "object": "list",
        "data": page,
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
        "has_more": len(items) > limit,
    }
