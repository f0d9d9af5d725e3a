"""A (normalized) Vertex chat completion -> a Responses ``Response`` JSON object.

The output items are built by the same functions the event stream (``events.py``) uses for its
``output_item.done`` items, so a streamed response ends equal to the non-streamed one.
Shapes: research/responses_embeddings.md A.3; finish_reason mapping: A.8.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from .ids import new_id

__all__ = [
    "as_mapping",
    "function_call_item",
    "message_item",
    "reasoning_item",
    "response_from_completion",
    "response_object",
    "status_of",
    "usage_of",
]


def as_mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is an object, else an empty one (Vertex omits or nulls fields at times)."""
    return value if isinstance(value, Mapping) else {}


def status_of(finish_reason: Any) -> tuple[str, dict[str, Any] | None]:
    """(status, incomplete_details) for a chat finish_reason."""
    if finish_reason == "length":
        return "incomplete", {"reason": "max_output_tokens"}
    if finish_reason == "content_filter":
        return "incomplete", {"reason": "content_filter"}
    return "completed", None


def usage_of(usage: Any) -> dict[str, Any] | None:
    if not isinstance(usage, Mapping):
        return None
    prompt = usage.get("prompt_tokens") or 0
    completion = usage.get("completion_tokens") or 0
    prompt_details = usage.get("prompt_tokens_details")
    completion_details = usage.get("completion_tokens_details")
    cached = prompt_details.get("cached_tokens") if isinstance(prompt_details, Mapping) else None
    reasoning = (
        completion_details.get("reasoning_tokens") if isinstance(completion_details, Mapping) else None
    )
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": cached or 0},
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": reasoning or 0},
        "total_tokens": usage.get("total_tokens") or prompt + completion,
    }


def reasoning_item(item_id: str, text: str) -> dict[str, Any]:
    """Gemini's thought summary as a reasoning item (Vertex returns summaries, not raw thoughts)."""
    return {"id": item_id, "type": "reasoning", "summary": [{"type": "summary_text", "text": text}]}


def message_item(item_id: str, text: str, annotations: list[dict[str, Any]], status: str) -> dict[str, Any]:
    part = {"type": "output_text", "text": text, "annotations": annotations, "logprobs": []}
    return {"id": item_id, "type": "message", "role": "assistant", "status": status, "content": [part]}


def function_call_item(item_id: str, call_id: str, name: str, arguments: str) -> dict[str, Any]:
    # call_id is Vertex's tool-call id with the thought signature folded in (see _translate/signatures).
    return {
        "id": item_id,
        "type": "function_call",
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
        "status": "completed",
    }


def annotations_of(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Chat ``url_citation`` annotations (grounding sources, when Vertex sends them) in Responses' shape."""
    found = []
    for note in message.get("annotations") or ():
        citation = note.get("url_citation") if isinstance(note, Mapping) else None
        if isinstance(citation, Mapping) and isinstance(citation.get("url"), str):
            found.append(
                {
                    "type": "url_citation",
                    "url": citation["url"],
                    "title": citation.get("title") or "",
                    "start_index": citation.get("start_index") or 0,
                    "end_index": citation.get("end_index") or 0,
                }
            )
    return found


def response_object(
    echo: Mapping[str, Any],
    response_id: str,
    created_at: float,
    *,
    status: str,
    output: list[dict[str, Any]],
    usage: dict[str, Any] | None = None,
    incomplete_details: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": response_id,
        "object": "response",
        "created_at": created_at,
        "status": status,
        "error": error,
        "incomplete_details": incomplete_details,
        **echo,
        "output": output,
        "usage": usage,
    }


def response_from_completion(
    completion: Mapping[str, Any], echo: Mapping[str, Any], response_id: str | None = None
) -> dict[str, Any]:
    """The ``Response`` for a non-streamed completion (first choice: Responses has no ``n``)."""
    choices = completion.get("choices") or [{}]
    choice = as_mapping(choices[0])
    message = as_mapping(choice.get("message"))
    status, incomplete = status_of(choice.get("finish_reason"))
    output: list[dict[str, Any]] = []
    reasoning = message.get("reasoning_content")
    if isinstance(reasoning, str) and reasoning:
        output.append(reasoning_item(new_id("rs"), reasoning))
    content = message.get("content")
    if isinstance(content, str) and content:
        item_status = "incomplete" if status == "incomplete" else "completed"
        output.append(message_item(new_id("msg"), content, annotations_of(message), item_status))
    for call in message.get("tool_calls") or ():
        fn = call.get("function") if isinstance(call, Mapping) else None
        if isinstance(fn, Mapping):
            call_id = call.get("id") or new_id("call")
            output.append(
                function_call_item(new_id("fc"), call_id, fn.get("name") or "", fn.get("arguments") or "{}")
            )
    return response_object(
        echo,
        response_id or new_id("resp"),
        float(int(time.time())),
        status=status,
        output=output,
        usage=usage_of(completion.get("usage")),
        incomplete_details=incomplete,
    )
