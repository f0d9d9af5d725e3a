"""Vertex chat chunks (already repaired by ``_stream.StreamState``) -> the Responses event stream.

Order, as OpenAI streams it (research A.4.2) and as the SDK's ``responses.stream()`` accumulator
requires it (A.4.3): ``response.created`` -> ``response.in_progress`` -> per output item
``output_item.added`` -> its content/summary part -> deltas -> ``*.done`` -> ``output_item.done``,
output indices 0..n-1, then ``response.completed`` (or ``incomplete``/``failed``) carrying the full
``output``. Every event has a ``sequence_number`` counting up from 0. A new kind of delta (thought,
text, another tool call) closes the item in progress, so items never interleave.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from .ids import new_id
from .reply import (
    annotations_of,
    as_mapping,
    function_call_item,
    message_item,
    reasoning_item,
    response_object,
    status_of,
    usage_of,
)

__all__ = ["EventStream"]

Event = dict[str, Any]


class _Open:
    """The output item in progress."""

    __slots__ = ("call_index", "index", "item", "kind", "parts")

    def __init__(self, kind: str, index: int, item: dict[str, Any], call_index: int | None = None) -> None:
        self.kind = kind  # "reasoning" | "message" | "function_call"
        self.index = index
        self.item = item
        # The summary text, output text or arguments so far, joined once at the end: appending to
        # one string would copy it on every delta, quadratic in a long answer.
        self.parts: list[str] = []
        self.call_index = call_index

    def text(self) -> str:
        return "".join(self.parts)


class EventStream:
    def __init__(self, echo: Mapping[str, Any], response_id: str | None = None) -> None:
        self.echo = echo
        self.response_id = response_id or new_id("resp")
        self.created_at = float(int(time.time()))
        self.output: list[dict[str, Any]] = []
        self.final: dict[str, Any] | None = None  # the terminal response, once sent
        self._seq = 0
        self._open: _Open | None = None
        self._finish: Any = None
        self._usage: Any = None
        self._annotations: list[dict[str, Any]] = []

    def _event(self, kind: str, **fields: Any) -> Event:
        event = {"type": kind, "sequence_number": self._seq, **fields}
        self._seq += 1
        return event

    def _snapshot(self, status: str, **fields: Any) -> dict[str, Any]:
        return response_object(self.echo, self.response_id, self.created_at, status=status, **fields)

    def start(self) -> list[Event]:
        snapshot = self._snapshot("in_progress", output=[])
        return [
            self._event("response.created", response=snapshot),
            self._event("response.in_progress", response=snapshot),
        ]

    # ---- chunks --------------------------------------------------------------------------------

    def chunk(self, chunk: Mapping[str, Any]) -> list[Event]:
        events: list[Event] = []
        if chunk.get("usage") is not None:
            self._usage = chunk["usage"]
        choices = chunk.get("choices") or ()
        choice = choices[0] if choices else None  # choice 0 comes first: Responses has no ``n``
        if not isinstance(choice, Mapping) or choice.get("index", 0) != 0:
            choice = next((c for c in choices if isinstance(c, Mapping) and c.get("index", 0) == 0), None)
            if choice is None:
                return events
        delta = as_mapping(choice.get("delta"))
        reasoning = delta.get("reasoning_content")
        if isinstance(reasoning, str) and reasoning:
            events += self._text("reasoning", reasoning)
        content = delta.get("content")
        if isinstance(content, str) and content:
            events += self._text("message", content)
        for note in delta.get("annotations") or ():
            self._annotations.append(note)
        for call in delta.get("tool_calls") or ():
            if isinstance(call, Mapping):
                events += self._call(call)
        if choice.get("finish_reason") is not None:
            self._finish = choice["finish_reason"]
        return events

    def _text(self, kind: str, text: str) -> list[Event]:
        events: list[Event] = []
        current = self._open
        if current is None or current.kind != kind:
            events += self._close()
            current = self._add(kind)
            events.append(
                self._event("response.output_item.added", output_index=current.index, item=current.item)
            )
            events.append(self._part_added(current))
        current.parts.append(text)
        where = {"item_id": current.item["id"], "output_index": current.index}
        if kind == "reasoning":
            events.append(
                self._event("response.reasoning_summary_text.delta", **where, summary_index=0, delta=text)
            )
        else:
            events.append(
                self._event("response.output_text.delta", **where, content_index=0, delta=text, logprobs=[])
            )
        return events

    def _call(self, call: Mapping[str, Any]) -> list[Event]:
        events: list[Event] = []
        index = call.get("index", 0)
        current = self._open
        if current is None or current.kind != "function_call" or current.call_index != index:
            events += self._close()
            fn = as_mapping(call.get("function"))
            call_id = call.get("id") or new_id("call")
            item = {
                **function_call_item(new_id("fc"), call_id, fn.get("name") or "", ""),
                "status": "in_progress",
            }
            current = self._open = _Open("function_call", len(self.output), item, index)
            self.output.append(item)
            events.append(self._event("response.output_item.added", output_index=current.index, item=item))
        piece = as_mapping(call.get("function")).get("arguments")
        if isinstance(piece, str) and piece:
            current.parts.append(piece)
            events.append(
                self._event(
                    "response.function_call_arguments.delta",
                    item_id=current.item["id"],
                    output_index=current.index,
                    delta=piece,
                )
            )
        return events

    def _add(self, kind: str) -> _Open:
        if kind == "reasoning":
            item: dict[str, Any] = {"id": new_id("rs"), "type": "reasoning", "summary": []}
        else:
            item = {
                "id": new_id("msg"),
                "type": "message",
                "role": "assistant",
                "status": "in_progress",
                "content": [],
            }
        current = self._open = _Open(kind, len(self.output), item)
        self.output.append(item)
        return current

    def _part_added(self, current: _Open) -> Event:
        where = {"item_id": current.item["id"], "output_index": current.index}
        part: dict[str, Any]
        if current.kind == "reasoning":
            part = {"type": "summary_text", "text": ""}
            return self._event("response.reasoning_summary_part.added", **where, summary_index=0, part=part)
        part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
        return self._event("response.content_part.added", **where, content_index=0, part=part)

    def _close(self, status: str = "completed") -> list[Event]:
        """The done events of the item in progress, which becomes its final form in ``output``."""
        current, self._open = self._open, None
        if current is None:
            return []
        where = {"item_id": current.item["id"], "output_index": current.index}
        text = current.text()
        events: list[Event] = []
        if current.kind == "reasoning":
            done = reasoning_item(current.item["id"], text)
            part = done["summary"][0]
            events.append(
                self._event("response.reasoning_summary_text.done", **where, summary_index=0, text=text)
            )
            events.append(
                self._event("response.reasoning_summary_part.done", **where, summary_index=0, part=part)
            )
        elif current.kind == "message":
            done = message_item(
                current.item["id"], text, annotations_of({"annotations": self._annotations}), status
            )
            part = done["content"][0]
            events.append(
                self._event("response.output_text.done", **where, content_index=0, text=text, logprobs=[])
            )
            events.append(self._event("response.content_part.done", **where, content_index=0, part=part))
        else:
            item = current.item
            done = function_call_item(item["id"], item["call_id"], item["name"], text or "{}")
            events.append(
                self._event("response.function_call_arguments.done", **where, arguments=done["arguments"])
            )
        self.output[current.index] = done
        events.append(self._event("response.output_item.done", output_index=current.index, item=done))
        return events

    # ---- the end ---------------------------------------------------------------------------------

    def finish(self) -> list[Event]:
        """Close what is open and send the terminal event; ``self.final`` is then the response."""
        status, incomplete = status_of(self._finish)
        events = self._close("incomplete" if status == "incomplete" else "completed")
        self.final = self._snapshot(
            status, output=list(self.output), usage=usage_of(self._usage), incomplete_details=incomplete
        )
        kind = "response.completed" if status == "completed" else "response.incomplete"
        events.append(self._event(kind, response=self.final))
        return events

    def fail(self, message: str, code: str = "server_error") -> list[Event]:
        """An error mid-stream: an ``error`` event, then ``response.failed``."""
        events = [self._event("error", code=code, message=message, param=None)]
        error = {"code": code, "message": message}
        self.final = self._snapshot("failed", output=list(self.output), error=error)
        events.append(self._event("response.failed", response=self.final))
        return events
