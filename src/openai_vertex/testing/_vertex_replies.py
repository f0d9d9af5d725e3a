"""Deterministic answers of the fake Vertex endpoint, in Vertex's shapes (quirks included).

Text replies echo the last user message, tool calls carry a minimal valid instance of the tool's
schema, and streams reproduce the documented tool-call delta quirks (vertex_compat.md §1.5) that the
package's normalizer has to repair.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ._vertex_rules import VertexError, google_extension, model_id

__all__ = ["THOUGHT_TEXT", "IdSource", "Reply", "completion", "plan_reply", "stream_events", "synthesize"]

THOUGHT_TEXT = "Thinking: the user wants an echo."


class IdSource:
    """Counter-based ids: unique within a fake, and stable from run to run (cassette-friendly)."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def _next(self) -> int:
        with self._lock:
            return next(self._counter)

    def completion_id(self) -> str:
        return f"fakevertex-{self._next():06d}"

    def call_id(self) -> str:
        return "call_" + hashlib.sha256(b"call-%d" % self._next()).hexdigest()[:24]

    def thought_signature(self) -> str:
        return base64.b64encode(hashlib.sha256(b"signature-%d" % self._next()).digest()).decode()


@dataclass
class Reply:
    content: str | None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    finish_reason: str = "stop"
    reasoning_tokens: int = 0
    message_extra: dict[str, Any] = field(default_factory=dict)  # other keys of a scripted message


def text_of(content: Any) -> str:
    """Text of a message's content: a string, or the text parts of a content list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p for p in content if isinstance(p, dict) and p.get("type") == "text"]
        return " ".join(str(p.get("text", "")) for p in parts)
    return ""


def plan_reply(body: dict[str, Any], ids: IdSource) -> Reply:
    """The default answer to a validated body."""
    messages = body["messages"]
    last = messages[-1]
    user_text = next((text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
    model = model_id(body)
    # Only `tools`: the deprecated `functions` would need a `function_call` answer, which is not faked.
    tools = [t["function"] for t in body.get("tools") or [] if t.get("type", "function") == "function"]
    reply: Reply
    if last.get("role") in ("tool", "function"):
        reply = Reply(f"Tool said: {text_of(last.get('content'))}")
    elif tools and body.get("tool_choice") != "none" and last.get("role") == "user":
        fn = tools[0]
        call: dict[str, Any] = {
            "id": ids.call_id(),
            "type": "function",
            "function": {"name": fn["name"], "arguments": json.dumps(synthesize(fn.get("parameters")) or {})},
        }
        if model.startswith("gemini-3"):
            call["extra_content"] = {"google": {"thought_signature": ids.thought_signature()}}
        reply = Reply(None, [call], "tool_calls")
    else:
        reply = Reply(_formatted(body.get("response_format"), f"Echo: {user_text}", user_text))
    google = google_extension(body)
    thinking = google.get("thinking_config")
    if isinstance(thinking, dict) and thinking.get("include_thoughts") is True:
        # Without a marker Vertex mixes the thought summary into content untagged (§1.4).
        marker = google.get("thought_tag_marker")
        thought = f"<{marker}>{THOUGHT_TEXT}</{marker}>" if marker else THOUGHT_TEXT + "\n\n"
        reply.content = thought + (reply.content or "")
        reply.reasoning_tokens = len(THOUGHT_TEXT.split())
    return reply


def _formatted(fmt: Any, text: str, user_text: str) -> str:
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "json_schema":
        spec = fmt.get("json_schema")
        return json.dumps(synthesize(spec.get("schema")) if isinstance(spec, dict) else {})
    if kind == "json_object":
        return json.dumps({"echo": user_text})
    return text


def scripted_reply(
    message: dict[str, Any] | None,
    content: str | None,
    tool_calls: list[dict[str, Any]] | None,
    finish_reason: str | None,
    ids: IdSource,
) -> Reply:
    """A reply given to `FakeVertex.queue_reply`; missing tool-call ids and types are filled in."""
    message = dict(message or {})
    message.pop("role", None)
    text = content if content is not None else message.pop("content", None)
    calls = tool_calls if tool_calls is not None else message.pop("tool_calls", None) or []
    message.pop("content", None)
    message.pop("tool_calls", None)
    filled = [{**c, "id": c.get("id") or ids.call_id(), "type": c.get("type") or "function"} for c in calls]
    reason = finish_reason or ("tool_calls" if filled else "stop")
    return Reply(text, filled, reason, message_extra=message)


def _usage(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    prompt = sum(len(text_of(m.get("content")).split()) + 1 for m in body["messages"])
    completion = len((reply.content or "").split()) + sum(
        1 + len(c["function"].get("arguments", "")) // 4 for c in reply.tool_calls
    )
    usage: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "extra_properties": {"google": {"traffic_type": "ON_DEMAND"}},
    }
    if reply.reasoning_tokens:
        usage["completion_tokens_details"] = {"reasoning_tokens": reply.reasoning_tokens}
    return usage


def completion(body: dict[str, Any], reply: Reply, ids: IdSource) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content, **reply.message_extra}
    if reply.tool_calls:
        message["tool_calls"] = reply.tool_calls
    requested = body.get("n")
    n = requested if isinstance(requested, int) and requested > 1 else 1
    return {
        "id": ids.completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "system_fingerprint": "",
        "choices": [{"index": i, "message": message, "finish_reason": reply.finish_reason} for i in range(n)],
        "usage": _usage(body, reply),
    }


def _split_arguments(arguments: str) -> list[str]:
    """At least two pieces, so a client has to concatenate them."""
    if len(arguments) < 2:
        return [arguments, ""]
    cut = max(1, len(arguments) // 3)
    return [arguments[:cut], arguments[cut : 2 * cut], arguments[2 * cut :]]


def stream_events(body: dict[str, Any], reply: Reply, ids: IdSource, quirks: bool = True) -> list[bytes]:
    """SSE events for a streamed answer, ending with ``data: [DONE]``.

    With ``quirks`` (Vertex's documented behaviour) every tool-call delta repeats ``id`` and ``name``,
    a call's first delta has ``index`` one higher than its later deltas, and the stream ends with
    finish_reason "stop" even for tool calls; usage rides on the last chunk without stream_options.
    """
    head = {
        "id": ids.completion_id(),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body["model"],
        "system_fingerprint": "",
    }
    words = re.findall(r"\S+\s*|\s+", reply.content or "")  # joined back, they give the content exactly
    deltas: list[dict[str, Any]] = [{"content": word} for word in words]
    for k, call in enumerate(reply.tool_calls):
        fn = call["function"]
        kind = call.get("type", "function")
        for j, piece in enumerate(_split_arguments(fn.get("arguments", ""))):
            if j == 0:
                delta = {"index": k + 1 if quirks else k, "id": call["id"], "type": kind}
                delta["function"] = {"name": fn["name"], "arguments": piece}
                if "extra_content" in call:
                    delta["extra_content"] = call["extra_content"]
            elif quirks:
                delta = {"index": k, "id": call["id"], "type": kind}
                delta["function"] = {"name": fn["name"], "arguments": piece}
            else:
                delta = {"index": k, "function": {"arguments": piece}}
            deltas.append({"tool_calls": [delta]})
    if not deltas:
        deltas.append({"content": ""})
    deltas[0] = {"role": "assistant", **deltas[0]}
    finish = reply.finish_reason
    if quirks and finish == "tool_calls":
        finish = "stop"
    events = []
    for i, delta in enumerate(deltas):
        choice: dict[str, Any] = {"index": 0, "delta": delta}
        chunk: dict[str, Any] = {**head, "choices": [choice]}
        if i == len(deltas) - 1:
            choice["finish_reason"] = finish
            chunk["usage"] = _usage(body, reply)
        events.append(b"data: " + json.dumps(chunk).encode() + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    return events


# The documents give no bound on minItems/minLength in a response schema; the fake refuses to build a
# reply larger than this rather than hang or exhaust memory (strict where the docs are silent).
MAX_SYNTHESIZED = 10_000


def _size_bound(schema: dict[str, Any], key: str) -> int:
    value = schema.get(key)
    count = int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0
    if count > MAX_SYNTHESIZED:
        raise VertexError(
            400,
            f"The fake Vertex builds replies with at most {MAX_SYNTHESIZED} items or characters per "
            f"value; the response schema asks for {key}={value} (Vertex documents no limit here; the "
            "fake is strict).",
        )
    return count


def synthesize(schema: Any, root: Any = None, depth: int = 0) -> Any:
    """A small JSON value valid for ``schema`` (tool arguments and ``json_schema`` replies both come
    from here): required properties (and optional ones up to ``minProperties``), first enum value,
    first ``anyOf``/``oneOf`` member, ``allOf`` members merged, lower bounds for numbers and sizes."""
    root = schema if root is None else root
    if not isinstance(schema, dict) or depth > 32:
        return None
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and isinstance(root, dict):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        return synthesize(target, root, depth + 1)
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((t for t in kind if t != "null"), "null")
    kind = kind.lower() if isinstance(kind, str) else ("object" if "properties" in schema else None)
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        # Vertex's Schema takes enum values as strings; an integer/number enum is still answered
        # with a JSON number, as Gemini does for `type: INTEGER` (vertex_compat.md §3.1).
        first = schema["enum"][0]
        if kind in ("integer", "number") and isinstance(first, str):
            try:
                return int(first) if kind == "integer" else float(first)
            except ValueError:
                return first
        return first
    for union in ("anyOf", "oneOf"):
        if isinstance(schema.get(union), list) and schema[union]:
            return synthesize(schema[union][0], root, depth + 1)
    if isinstance(schema.get("allOf"), list) and schema["allOf"]:
        parts = [synthesize(member, root, depth + 1) for member in schema["allOf"]]
        if all(isinstance(part, dict) for part in parts):
            return {k: v for part in parts for k, v in part.items()}
        return parts[0]
    if kind == "object":
        props = schema.get("properties") or {}
        wanted = [k for k in schema.get("required") or [] if k in props]
        wanted += [k for k in props if k not in wanted][
            : max(0, _size_bound(schema, "minProperties") - len(wanted))
        ]
        return {k: synthesize(props[k], root, depth + 1) for k in wanted}
    if kind == "array":
        count = _size_bound(schema, "minItems")
        return [synthesize(schema.get("items"), root, depth + 1) for _ in range(count)]
    if kind == "string":
        return _string(schema)
    if kind in ("integer", "number"):
        return _number(schema, kind)
    if kind == "boolean":
        return False
    return None


def _string(schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    if fmt == "date-time":
        return "1970-01-01T00:00:00Z"
    if fmt == "date":
        return "1970-01-01"
    size = max(1, _size_bound(schema, "minLength"))
    high = schema.get("maxLength")
    candidates = [c * n for n in range(size, size + 8) for c in ("a", "0", "A")]
    candidates += ["a@example.com", "1970-01-01"]
    candidates = [c[:high] if isinstance(high, int) else c for c in candidates]
    pattern = schema.get("pattern")
    if not isinstance(pattern, str):
        return candidates[0]
    try:
        found = [text for text in candidates if re.search(pattern, text)]
    except re.error as error:  # the docs are silent on a bad pattern: strict
        raise VertexError(400, f"Invalid regular expression in 'pattern' {pattern!r}: {error}.") from None
    if found:
        return found[0]
    raise VertexError(
        400,
        f"The fake Vertex cannot build a string matching the pattern {pattern!r}; script the answer "
        "with FakeVertex.queue_reply (a limit of the fake, not a rule of Vertex).",
    )


def _number(schema: dict[str, Any], kind: str) -> float:
    low, high = schema.get("minimum"), schema.get("maximum")
    value = low if isinstance(low, (int, float)) else 0
    above = schema.get("exclusiveMinimum")  # JSON Schema (json_schema replies); not in Vertex's Schema
    if isinstance(above, (int, float)) and not isinstance(above, bool) and value <= above:
        value = math.floor(above) + 1 if kind == "integer" else above + 1
    value = min(value, high) if isinstance(high, (int, float)) else value
    return math.ceil(value) if kind == "integer" else value
