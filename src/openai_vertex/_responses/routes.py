"""``/responses`` served in-process: the handlers of the Responses routes in ``_served/routes.py``.

Before anything is sent, in the SDK's ``_prepare_options``, ``prepare.py`` translates the request and
the client's image step adds the stored history and inlines the images, as for chat. The handlers
here then only send one chat completion to Vertex through the inner transport (the Google token is
already on the request) and answer with the ``Response`` JSON or the Responses SSE stream. Vertex's
own errors are relayed, so the SDK raises the status error it would for chat.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping
from typing import Any

from .._normalize import normalize_completion
from .._stream import StreamState
from .._translate.thoughts import thought_marker
from .conversation import input_page, record_of
from .events import EventStream
from .reply import response_from_completion
from .store import ResponseStore, in_thread, store_of

__all__ = [
    "adelete",
    "ahandle_create",
    "ainput_items",
    "aretrieve",
    "delete",
    "handle_create",
    "input_items",
    "retrieve",
]

_SSE = "text/event-stream"
_json_decode = json.JSONDecoder().decode


def _store(call: Any) -> ResponseStore:
    return store_of(call.state.response_store)


def _error(call: Any, status: int, message: str, param: str | None = None, code: str | None = None) -> Any:
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    return call.respond(status, {"error": error})


def _missing_previous(call: Any, response_id: str) -> Any:
    return _error(
        call, 400, f"Previous response with id '{response_id}' not found (openai-vertex's local response "
        "store keeps responses per process unless response_store= names a sqlite or redis store).",
        "previous_response_id", "previous_response_not_found",
    )  # fmt: skip


def _not_found(call: Any) -> Any:
    return _error(call, 404, f"No response with id '{call.params['response_id']}' found.", None, "not_found")


def _chat_request(call: Any, chat: Mapping[str, Any]) -> Any:
    return call.build("POST", f"{call.root}/chat/completions", chat)


def _answer(
    call: Any, envelope: Mapping[str, Any], sent: Mapping[str, Any], request: Any, response: Any
) -> tuple[Any, Any]:
    """(the answer, the record to store or None) for a non-streamed Vertex reply; ``sent`` is the
    chat body before its images were inlined (the store keeps URLs, never fetched bytes)."""
    if response.status_code >= 400:
        return call.relay(response), None
    response.request = request  # the normalizer reads the thought marker from the request sent
    completion = normalize_completion(response.json(), response)
    result = response_from_completion(completion, envelope["echo"])
    record = record_of(envelope, sent, result) if envelope.get("store") else None
    return call.respond(200, result), record


# ---- POST /responses --------------------------------------------------------------------------------


def handle_create(call: Any) -> Any:
    envelope = call.json()
    chat = envelope["chat"]  # from continued_plan: the earlier turns are in, the images inlined
    if chat is None:
        return _missing_previous(call, envelope["previous_response_id"])
    sent = envelope["sent"] or chat
    store = _store(call)
    request = _chat_request(call, chat)
    if chat.get("stream"):
        response = call.open(request)
        if response.status_code >= 400:
            response.read()
            response.close()
            return call.relay(response)
        events = _sse(
            envelope,
            chat,
            sent,
            lambda record: store.put(record["response"]["id"], record),
            response.iter_bytes(),
            response.close,
        )
        return call.respond_stream(200, events, _SSE, response.close)
    answer, record = _answer(call, envelope, sent, request, call.send(request))
    if record is not None:
        store.put(record["response"]["id"], record)
    return answer


async def ahandle_create(call: Any) -> Any:
    envelope = call.json()
    chat = envelope["chat"]
    if chat is None:
        return _missing_previous(call, envelope["previous_response_id"])
    sent = envelope["sent"] or chat
    store = _store(call)
    request = _chat_request(call, chat)
    if chat.get("stream"):
        response = await call.open(request)
        if response.status_code >= 400:
            await response.aread()
            await response.aclose()
            return call.relay(response)
        events = _asse(envelope, chat, sent, store, response)
        return call.respond_stream(200, events, _SSE, response.aclose)
    answer, record = _answer(call, envelope, sent, request, await call.send(request))
    if record is not None:
        await in_thread(store, store.put, record["response"]["id"], record)
    return answer


# ---- streaming -------------------------------------------------------------------------------------


class _Translator:
    """Vertex SSE ``data:`` payloads -> encoded Responses events; one per stream."""

    def __init__(self, envelope: Mapping[str, Any], chat: Mapping[str, Any], sent: Mapping[str, Any]) -> None:
        self.envelope = envelope
        self.sent = sent  # the body before image inlining: what the store keeps
        self.events = EventStream(envelope["echo"])
        self.repair = StreamState(thought_marker(chat))
        self.done = False

    def start(self) -> bytes:
        return _encode(self.events.start())

    def data(self, payload: bytes) -> bytes:
        """One ``data:`` payload; after ``[DONE]`` or an error, ``done`` is set."""
        if payload == b"[DONE]":
            return self.finish()
        try:
            chunk = _json_decode(payload.decode())  # str: json.loads(bytes) first sniffs the encoding
        except ValueError:
            return self.fail("Vertex sent a stream event that is not JSON")
        if isinstance(chunk, list) or (isinstance(chunk, dict) and "error" in chunk):
            error = chunk[0] if isinstance(chunk, list) and chunk else chunk
            detail = error.get("error") if isinstance(error, dict) else None
            message = detail.get("message") if isinstance(detail, dict) else None
            return self.fail(str(message or "Vertex reported an error mid-stream"))
        return _encode(self.events.chunk(self.repair.chunk(chunk))) if isinstance(chunk, dict) else b""

    def finish(self) -> bytes:
        self.done = True
        return _encode(self.events.finish())

    def fail(self, message: str) -> bytes:
        self.done = True
        return _encode(self.events.fail(message))

    def record(self) -> dict[str, Any] | None:
        final = self.events.final
        if not self.envelope.get("store") or final is None or final.get("status") == "failed":
            return None
        return record_of(self.envelope, self.sent, final)


class _Payloads:
    """Splits an SSE byte stream, cut anywhere, into its ``data:`` payloads (each Vertex event is one
    ``data:`` line). Bytes, not httpx's ``iter_lines``: that decodes every chunk to text first and
    splits it again, at a cost per event that showed in the streaming benchmark."""

    __slots__ = ("_rest",)

    def __init__(self) -> None:
        self._rest = b""

    def feed(self, data: bytes) -> list[bytes]:
        buffer = self._rest + data if self._rest else data
        lines = buffer.splitlines()  # \n, \r\n or \r; one split across chunks only adds a blank line
        self._rest = lines.pop() if lines and not buffer.endswith((b"\n", b"\r")) else b""
        return [p for line in lines if line.startswith(b"data:") and (p := line[5:].strip())]

    def flush(self) -> list[bytes]:
        return self.feed(b"\n")


def _payloads(chunks: Iterator[bytes]) -> Iterator[bytes]:
    split = _Payloads()
    for chunk in chunks:
        yield from split.feed(chunk)
    yield from split.flush()


async def _apayloads(chunks: AsyncIterator[bytes]) -> AsyncGenerator[bytes, None]:
    split = _Payloads()
    async for chunk in chunks:
        for payload in split.feed(chunk):
            yield payload
    for payload in split.flush():
        yield payload


def _sse(
    envelope: Any, chat: Any, sent: Any, keep: Any, chunks: Iterator[bytes], close: Any
) -> Iterator[bytes]:
    translator = _Translator(envelope, chat, sent)
    try:
        yield translator.start()
        for payload in _payloads(chunks):
            yield translator.data(payload)
            if translator.done:
                break
        if not translator.done:
            yield translator.finish()
    except Exception as exc:  # the connection broke mid-stream: end the stream as OpenAI would
        if not translator.done:
            yield translator.fail(f"the stream from Vertex broke: {type(exc).__name__}")
    finally:
        close()
    record = translator.record()
    if record is not None:
        keep(record)


async def _asse(
    envelope: Any, chat: Any, sent: Any, store: ResponseStore, response: Any
) -> AsyncIterator[bytes]:
    translator = _Translator(envelope, chat, sent)
    payloads = _apayloads(response.aiter_bytes())
    try:
        yield translator.start()
        async for payload in payloads:
            yield translator.data(payload)
            if translator.done:
                break
        if not translator.done:
            yield translator.finish()
    except Exception as exc:
        if not translator.done:
            yield translator.fail(f"the stream from Vertex broke: {type(exc).__name__}")
    finally:
        await payloads.aclose()  # ours, and through it httpx's byte iterator: not left to the GC
        await response.aclose()
    record = translator.record()
    if record is not None:
        await in_thread(store, store.put, record["response"]["id"], record)


def _encode(events: list[dict[str, Any]]) -> bytes:
    return b"".join(_sse_event(e) for e in events)


_compact_json = json.JSONEncoder(separators=(",", ":")).encode  # made once: json.dumps makes one a call
# The event of almost every chunk, written without the encoder's per-call set-up (~2 µs an event, a
# tenth of the per-event cost measured in bench/bench_responses.py); the same bytes as _compact_json.
_TEXT_DELTA = (
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":%d,'
    b'"item_id":%s,"output_index":%d,"content_index":%d,"delta":%s,"logprobs":[]}\n\n'
)
_TEXT_DELTA_KEYS = (
    "type",
    "sequence_number",
    "item_id",
    "output_index",
    "content_index",
    "delta",
    "logprobs",
)


def _sse_event(event: dict[str, Any]) -> bytes:
    if (
        event["type"] == "response.output_text.delta"
        and not event["logprobs"]
        and tuple(event) == _TEXT_DELTA_KEYS
    ):
        return _TEXT_DELTA % (
            event["sequence_number"], json.dumps(event["item_id"]).encode(), event["output_index"],
            event["content_index"], json.dumps(event["delta"]).encode(),
        )  # fmt: skip
    data = _compact_json(event).encode()
    if event["type"] == "error":
        # No `event:` name: openai 1.x reads a named non-"response." event as an Assistants event and
        # hands it over as {"data", "event"}; unnamed, every line parses it by its `type`.
        return b"data: %s\n\n" % data
    return b"event: %s\ndata: %s\n\n" % (event["type"].encode(), data)


# ---- retrieve, delete, input_items ------------------------------------------------------------------


def _query(call: Any) -> dict[str, str]:
    return {k: v for k, v in call.request.url.params.items()}


def _retrieved(call: Any, record: Any) -> Any:
    return _not_found(call) if record is None else call.respond(200, record["response"])  # stream: refused


def retrieve(call: Any) -> Any:
    return _retrieved(call, _store(call).get(call.params["response_id"]))


async def aretrieve(call: Any) -> Any:
    store = _store(call)
    return _retrieved(call, await in_thread(store, store.get, call.params["response_id"]))


def _deleted(call: Any, found: bool) -> Any:
    if not found:
        return _not_found(call)
    return call.respond(200, {"id": call.params["response_id"], "object": "response", "deleted": True})


def delete(call: Any) -> Any:
    return _deleted(call, _store(call).delete(call.params["response_id"]))


async def adelete(call: Any) -> Any:
    store = _store(call)
    return _deleted(call, await in_thread(store, store.delete, call.params["response_id"]))


def _listed(call: Any, record: Any) -> Any:
    return _not_found(call) if record is None else call.respond(200, input_page(record, _query(call)))


def input_items(call: Any) -> Any:
    return _listed(call, _store(call).get(call.params["response_id"]))


async def ainput_items(call: Any) -> Any:
    store = _store(call)
    return _listed(call, await in_thread(store, store.get, call.params["response_id"]))
