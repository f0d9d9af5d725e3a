"""Streamed usage as OpenAI documents it, from what Vertex sends.

OpenAI: with ``stream_options={"include_usage": true}`` "an additional chunk will be streamed before
the data: [DONE] message. The usage field on this chunk shows the token usage statistics for the
entire request, and the choices field will always be an empty array. All other chunks will also
include a usage field, but with a null value" (API reference, chat.completions.create,
stream_options); without it no chunk has usage. Vertex instead puts usage on its last chunk, next to
that chunk's choices, whether asked or not (vertex_compat.md §1.5). So code written to the common
``if not chunk.choices and chunk.usage:`` never sees the numbers.

The SDK turns one SSE event into one chunk, so the extra chunk has to exist in the bytes: the
response stream of a streamed chat completion is wrapped (from the client's auth flow, the one hook
that sees each response before the SDK reads it) and the one event that carries usage is rewritten.
Every other event passes through byte for byte. The request's wish travels from the SDK's options to
the auth flow in an internal header, removed before anything is sent.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from ._stream_types import byte_stream_class

__all__ = ["USAGE_FLAG", "UsageContract", "follow_usage_contract", "mark_usage_wish", "take_usage_wish"]

USAGE_FLAG = "x-openai-vertex-include-usage"
_CHAT_SUFFIX = "/chat/completions"
_SEPARATORS = (b"\n\n", b"\r\n\r\n", b"\r\r")  # the blank line that ends an SSE event
_HEAD_KEYS = ("id", "object", "created", "model", "system_fingerprint", "service_tier")


def mark_usage_wish(options: Any) -> None:
    """Note on the SDK's request options whether a streamed chat completion asked for usage."""
    body = options.json_data
    if not isinstance(body, Mapping) or body.get("stream") is not True:
        return
    wish = body.get("stream_options")
    if isinstance(wish, Mapping) and wish.get("include_usage") is True:
        headers = options.headers if isinstance(options.headers, Mapping) else {}
        options.headers = {**headers, USAGE_FLAG: "1"}


def take_usage_wish(request: Any) -> bool:
    """Whether the request asked for usage; the internal header is removed so it is never sent."""
    if USAGE_FLAG not in request.headers:
        return False
    del request.headers[USAGE_FLAG]
    return True


class UsageContract:
    """Rewrites SSE bytes, split anywhere, so that usage arrives the OpenAI way."""

    __slots__ = ("_buffer", "_include")

    def __init__(self, include_usage: bool) -> None:
        self._include = include_usage
        self._buffer = b""

    def feed(self, data: bytes) -> bytes:
        if not self._buffer and data.endswith(b"\n\n") and b'"usage"' not in data:
            return data  # the common case: whole events, none with usage (the blank line ends one)
        self._buffer += data
        if b'"usage"' not in self._buffer:  # no complete event here carries usage: pass them on whole
            end = _last_event_end(self._buffer)
            whole, self._buffer = self._buffer[:end], self._buffer[end:]
            return whole
        out: list[bytes] = []
        while True:
            end = _event_end(self._buffer)
            if end < 0:
                return b"".join(out)
            event, self._buffer = self._buffer[:end], self._buffer[end:]
            out.append(self._event(event))

    def flush(self) -> bytes:
        rest, self._buffer = self._buffer, b""
        return self._event(rest) if rest else b""

    def _event(self, event: bytes) -> bytes:
        if b'"usage"' not in event:  # the common case: no parsing at all
            return event
        text = event.strip()
        if not text.startswith(b"data:") or b"\n" in text:
            return event
        try:
            chunk = json.loads(text[5:])
        except ValueError:
            return event
        if not isinstance(chunk, dict) or chunk.get("usage") is None:
            return event
        if chunk.get("choices") == []:  # already a usage-only chunk
            return event if self._include else b""
        usage = chunk["usage"]
        chunk["usage"] = None
        out = _sse(chunk)
        if self._include:
            extra = {key: chunk[key] for key in _HEAD_KEYS if key in chunk}
            out += _sse({**extra, "choices": [], "usage": usage})
        return out


def _event_end(buffer: bytes) -> int:
    """The index just after the first complete SSE event in ``buffer``, or -1."""
    ends = [i + len(sep) for sep in _SEPARATORS if (i := buffer.find(sep)) >= 0]
    return min(ends) if ends else -1


def _last_event_end(buffer: bytes) -> int:
    """The index just after the last complete SSE event in ``buffer``, or 0."""
    return max((i + len(sep) for sep in _SEPARATORS if (i := buffer.rfind(sep)) >= 0), default=0)


def _sse(chunk: Mapping[str, Any]) -> bytes:
    return b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"


def follow_usage_contract(request: Any, response: Any, include_usage: bool) -> None:
    """Wrap the body stream of a streamed chat completion (anything else is left alone)."""
    if response.status_code != 200 or not request.url.path.endswith(_CHAT_SUFFIX):
        return
    if not response.headers.get("content-type", "").startswith("text/event-stream"):
        return
    lib = sys.modules[type(response).__module__.split(".")[0]]  # httpx or httpx2, whichever sent it
    inner = response.stream
    contract = UsageContract(include_usage)
    if isinstance(inner, lib.AsyncByteStream):
        response.stream = byte_stream_class(lib.AsyncByteStream, _AsyncUsageStream)(inner, contract)
    elif isinstance(inner, lib.SyncByteStream):
        response.stream = byte_stream_class(lib.SyncByteStream, _SyncUsageStream)(inner, contract)


class _SyncUsageStream:
    def __init__(self, inner: Any, contract: UsageContract) -> None:
        self._inner = inner
        self._contract = contract

    def __iter__(self) -> Iterator[bytes]:
        for data in self._inner:
            if out := self._contract.feed(data):
                yield out
        if rest := self._contract.flush():
            yield rest

    def close(self) -> None:
        self._inner.close()


class _AsyncUsageStream:
    def __init__(self, inner: Any, contract: UsageContract) -> None:
        self._inner = inner
        self._contract = contract

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for data in self._inner:
            if out := self._contract.feed(data):
                yield out
        if rest := self._contract.flush():
            yield rest

    async def aclose(self) -> None:
        await self._inner.aclose()
