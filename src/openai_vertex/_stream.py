"""Repair Vertex's streamed Chat Completions chunks, one stream at a time.

Vertex repeats ``id`` and ``name`` in every tool-call delta, gives a call's first delta index k+1
and its later ones index k, and ends a tool-call stream with finish_reason "stop" (vertex_compat.md
§1.5, §2 pain 5). openai-python's ``accumulate_delta`` concatenates repeated strings and keys calls by
``index``, so it builds ``get_weatherget_weather`` or crashes with IndexError. `StreamState` rewrites
each chunk into the shape OpenAI sends: per choice, each call gets one stable index (0, 1, 2… in order
of first appearance) and its id, type, name and ``extra_content`` once; later deltas carry only
``index`` and the new part of ``function.arguments``.

Every chunk passes here, so the hot path is short: chunks come from JSON (hence ``isinstance(…, dict)``,
cheaper than the ABC check), and a chunk that needs nothing (most text deltas) is returned as it came.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._translate.signatures import encode_call_id, signature_of
from ._translate.thoughts import ThoughtSplitter

__all__ = ["StreamState", "fill_usage"]

# Keys of a tool-call delta that this module rewrites; any other key passes through untouched.
_CALL_KEYS = frozenset({"index", "id", "type", "function", "extra_content"})


def fill_usage(usage: object) -> object:
    """Usage with ``completion_tokens`` filled in when Vertex left it out (agentgateway #1464)."""
    if not isinstance(usage, dict) or usage.get("completion_tokens") is not None:
        return usage
    total, prompt = usage.get("total_tokens"), usage.get("prompt_tokens")
    completion = total - prompt if isinstance(total, int) and isinstance(prompt, int) else 0
    return {**usage, "completion_tokens": max(completion, 0)}


class _Call:
    __slots__ = ("arguments", "cumulative", "extra_sent", "id_sent", "index", "name_sent", "started")

    def __init__(self, index: int) -> None:
        self.index = index
        self.started = False  # whether a delta (with the call's type) went out
        self.arguments = ""  # everything emitted so far
        # Whether Vertex sends the whole argument text so far in each delta instead of the new part;
        # None until a second non-empty piece shows which.
        self.cumulative: bool | None = None
        self.id_sent = False
        self.name_sent = False
        self.extra_sent = False

    def new_arguments(self, piece: str) -> str:
        """The part of ``piece`` not emitted yet."""
        done = self.arguments
        if done and self.cumulative is not False and piece.startswith(done):
            self.cumulative = True
            suffix = piece[len(done) :]
        else:
            if done and piece and self.cumulative is None:
                self.cumulative = False
            suffix = piece
        self.arguments = done + suffix
        return suffix


class _Choice:
    """The state of one choice (``n`` > 1 gives several per stream)."""

    __slots__ = ("by_id", "calls", "last", "role_sent", "splitter")

    def __init__(self, marker: str | None) -> None:
        self.calls: list[_Call] = []
        self.by_id: dict[str, _Call] = {}
        self.last: _Call | None = None
        self.role_sent = False
        self.splitter = ThoughtSplitter(marker) if marker else None

    def delta(self, delta: Mapping[str, Any], finished: bool) -> Mapping[str, Any]:
        """The repaired delta; ``delta`` itself when it needs nothing (text, most of a stream)."""
        repeated_role = "role" in delta and self.role_sent
        self.role_sent = self.role_sent or "role" in delta
        calls = delta.get("tool_calls")
        if not repeated_role and calls is None and self.splitter is None:
            return delta
        out = dict(delta)
        if repeated_role:  # a repeated role would be concatenated: "assistantassistant"
            del out["role"]
        if isinstance(calls, list):
            out["tool_calls"] = [self._call_delta(c) if isinstance(c, dict) else c for c in calls]
        if self.splitter is not None:
            self._split(out, finished)
        return out

    def _split(self, out: dict[str, Any], finished: bool) -> None:
        assert self.splitter is not None
        content, reasoning = "", ""
        text = out.get("content")
        if isinstance(text, str) and text:
            content, reasoning = self.splitter.feed(text)
            out["content"] = content or None
        if finished:  # the text is over: what was held back as a possible tag is plain text
            more_content, more_reasoning = self.splitter.flush()
            if more_content:
                out["content"] = (out.get("content") or "") + more_content
            reasoning += more_reasoning
        if reasoning:
            earlier = out.get("reasoning_content")
            out["reasoning_content"] = (earlier if isinstance(earlier, str) else "") + reasoning

    def _find(self, delta: Mapping[str, Any]) -> _Call:
        """The call a delta belongs to: by id; without one, the call in progress.

        Vertex's own index is no guide (k+1 on a call's first delta, k on its later ones, so a later
        delta's index is the previous call's first index), and both Vertex and OpenAI stream one call
        after another, so an id-less delta continues the last call.
        """
        call_id = delta.get("id")
        key = call_id if isinstance(call_id, str) and call_id else None
        call = self.by_id.get(key) if key is not None else self.last
        if call is None:
            call = _Call(len(self.calls))
            self.calls.append(call)
            if key is not None:
                self.by_id[key] = call
        self.last = call
        return call

    def _call_delta(self, delta: Mapping[str, Any]) -> dict[str, Any]:
        call = self._find(delta)
        out: dict[str, Any] = {k: v for k, v in delta.items() if k not in _CALL_KEYS}
        out["index"] = call.index
        call_id = delta.get("id")
        if not call.started:
            call.started = True
            out["type"] = delta.get("type") or "function"
        if not call.id_sent and isinstance(call_id, str) and call_id:
            call.id_sent = True
            signature = signature_of(delta)
            out["id"] = encode_call_id(call_id, signature) if signature else call_id
        if not call.extra_sent and "extra_content" in delta:
            call.extra_sent = True  # a repeated signature would be concatenated too
            out["extra_content"] = delta["extra_content"]
        fn = delta.get("function")
        if isinstance(fn, dict):
            fn_out: dict[str, Any] = {k: v for k, v in fn.items() if k not in ("name", "arguments")}
            name = fn.get("name")
            if not call.name_sent and isinstance(name, str) and name:
                call.name_sent = True
                fn_out["name"] = name
            piece = fn.get("arguments")
            fn_out["arguments"] = call.new_arguments(piece) if isinstance(piece, str) else ""
            out["function"] = fn_out
        return out


class StreamState:
    """Everything remembered between the chunks of one stream."""

    __slots__ = ("_choices", "_marker")

    def __init__(self, marker: str | None = None) -> None:
        self._marker = marker  # the thought tag the request asked for, if any
        self._choices: dict[int, _Choice] = {}

    def chunk(self, data: Mapping[str, Any]) -> Mapping[str, Any]:
        """The repaired chunk: a new dict, or ``data`` itself when it needs nothing; ``data`` is never
        modified (the SDK may still hold it)."""
        choices = data.get("choices")
        fixed: Any = choices
        if isinstance(choices, list):  # one pass, copying the list only if a choice changes
            for i, choice in enumerate(choices):
                new = self._choice(choice) if isinstance(choice, dict) else choice
                if new is not choice:
                    if fixed is choices:
                        fixed = list(choices)
                    fixed[i] = new
        usage = data.get("usage")
        fixed_usage = usage if usage is None else fill_usage(usage)
        if fixed is choices and fixed_usage is usage:
            return data
        out = dict(data)
        if fixed is not choices:
            out["choices"] = fixed
        if "usage" in data:
            out["usage"] = fixed_usage
        return out

    def _choice(self, choice: Mapping[str, Any]) -> Mapping[str, Any]:
        index = choice.get("index")
        key = index if isinstance(index, int) else 0
        state = self._choices.get(key)
        if state is None:
            state = self._choices[key] = _Choice(self._marker)
        finish = choice.get("finish_reason")
        raw = choice.get("delta")
        fixed = state.delta(raw if isinstance(raw, dict) else {}, finished=bool(finish))
        stop_after_calls = finish == "stop" and bool(state.calls)
        if fixed is raw and not stop_after_calls:
            return choice
        out = dict(choice)
        out["delta"] = fixed
        if stop_after_calls:
            out["finish_reason"] = "tool_calls"  # Vertex says "stop" after tool calls
        return out
