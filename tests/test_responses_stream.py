"""Streamed Responses (``stream=True`` and ``responses.stream()``) from FakeVertex's chat SSE stream,
which reproduces Vertex's streamed tool-call quirks: event order, ``sequence_number`` continuity, and
the SDK accumulator's final ``Response`` equal to the non-streamed one."""

from __future__ import annotations

import importlib
import inspect
import json
import re
from typing import Any

import openai
import pytest

from openai_vertex import AsyncOpenAI, OpenAI
from openai_vertex.exceptions import TranslationError
from openai_vertex.testing import FakeGoogleAuth, FakeVertex
from openai_vertex.testing._vertex_replies import THOUGHT_TEXT

from .test_auth import sa_credentials
from .test_responses_create import GEMINI3, MODEL, WEATHER

TEXT_ORDER = [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.completed",
]


@pytest.fixture
def client(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> OpenAI:
    return OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth), max_retries=0)


@pytest.fixture
def aclient(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth), max_retries=0)


def collapsed(types: list[str]) -> list[str]:
    """Event types with runs of the same delta type shown once."""
    out: list[str] = []
    for kind in types:
        if not (out and out[-1] == kind and kind.endswith(".delta")):
            out.append(kind)
    return out


_ID = re.compile(r"\b(resp|msg|fc|rs)_[0-9a-f]{48}\b|\bcall_[0-9a-f]{24}(__vts__[A-Za-z0-9+/=]+)?")


def comparable(response: Any) -> Any:
    """A response as JSON with its ids and timestamps (which differ between two calls) replaced."""
    data = response.model_dump(mode="json", exclude_none=True)
    data.pop("created_at")
    for item in data["output"]:  # ParsedResponse adds these to what Response has
        item.pop("parsed_arguments", None)
        for part in item.get("content") or ():
            part.pop("parsed", None)
    seen: dict[str, str] = {}
    text = _ID.sub(lambda m: seen.setdefault(m.group(0), f"<id{len(seen)}>"), json.dumps(data))
    return json.loads(text)


def test_text_stream_order_and_sequence_numbers(client: OpenAI) -> None:
    events = list(client.responses.create(model=MODEL, input="one two three", stream=True))
    assert collapsed([e.type for e in events]) == TEXT_ORDER
    assert [e.sequence_number for e in events] == list(range(len(events)))
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert len(deltas) > 1 and "".join(deltas) == "Echo: one two three"
    completed = events[-1]
    assert completed.type == "response.completed" and completed.response.output_text == "Echo: one two three"
    assert {e.response.id for e in events if e.type in ("response.created", "response.completed")} == {
        completed.response.id
    }


@pytest.mark.parametrize(
    "kwargs",
    [
        {"model": MODEL, "input": "hello there"},
        {"model": GEMINI3, "input": "weather?", "tools": [WEATHER]},
        {"model": MODEL, "input": "think", "reasoning": {"effort": "low", "summary": "auto"}},
    ],
    ids=["text", "tool-call", "reasoning"],
)
def test_accumulated_stream_equals_the_plain_response(client: OpenAI, kwargs: dict[str, Any]) -> None:
    plain = client.responses.create(**kwargs)
    with client.responses.stream(**kwargs) as stream:
        for _ in stream:
            pass
        final = stream.get_final_response()
    assert comparable(final) == comparable(plain)
    assert final.output_text == plain.output_text and len(final.output) == len(plain.output) > 0


def test_tool_call_stream_repairs_vertex_quirks(client: OpenAI, vertex: FakeVertex) -> None:
    events = list(client.responses.create(model=GEMINI3, input="weather?", tools=[WEATHER], stream=True))
    assert collapsed([e.type for e in events]) == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    added, done = events[2].item, events[-2].item
    assert added.type == done.type == "function_call" and added.call_id == done.call_id
    assert done.name == "get_weather" and json.loads(done.arguments) == {"city": "a"}  # not doubled
    assert events[-1].response.status == "completed"
    # The streamed call id carries the thought signature, so the next turn passes Gemini 3's check.
    output: Any = [{"type": "function_call_output", "call_id": done.call_id, "output": "hail"}]
    nxt = client.responses.create(model=GEMINI3, previous_response_id=events[-1].response.id, input=output)
    assert nxt.output_text == "Tool said: hail"


def test_reasoning_summary_events_come_before_the_message(client: OpenAI) -> None:
    events = list(
        client.responses.create(model=MODEL, input="think", reasoning={"summary": "detailed"}, stream=True)
    )
    assert collapsed([e.type for e in events])[:9] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done",
        "response.output_item.done",
        "response.output_item.added",
    ]
    final = events[-1].response
    assert [item.type for item in final.output] == ["reasoning", "message"]
    assert final.output[0].summary[0].text == THOUGHT_TEXT and final.output_text == "Echo: think"
    assert [e.output_index for e in events if e.type == "response.output_item.added"] == [0, 1]


def test_length_stop_ends_with_response_incomplete(client: OpenAI, vertex: FakeVertex) -> None:
    vertex.queue_reply(content="cut short", finish_reason="length")
    events = list(client.responses.create(model=MODEL, input="long", stream=True))
    last = events[-1]
    assert (
        last.type == "response.incomplete" and last.response.incomplete_details.reason == "max_output_tokens"
    )
    assert last.response.output[0].status == "incomplete" and last.response.output_text == "cut short"


def test_error_mid_stream_ends_with_response_failed(client: OpenAI, vertex: FakeVertex) -> None:
    chunk = {
        "id": "x",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "google/gemini-2.5-flash",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}}],
    }
    error = [
        {"error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}}
    ]
    vertex.queue_reply(raw=f"data: {json.dumps(chunk)}\n\ndata: {json.dumps(error)}\n\n")
    events = list(client.responses.create(model=MODEL, input="hi", stream=True))
    assert [e.type for e in events[-2:]] == ["error", "response.failed"]
    assert events[-2].message == "The service is currently unavailable."
    assert events[-1].response.status == "failed" and events[-1].response.error.code == "server_error"
    assert [e.sequence_number for e in events] == list(range(len(events)))


async def test_async_stream_helper_and_raw_stream(aclient: AsyncOpenAI) -> None:
    async with aclient.responses.stream(model=MODEL, input="async hello") as stream:
        types = [event.type async for event in stream]
        final = await stream.get_final_response()
    assert collapsed(types) == TEXT_ORDER and final.output_text == "Echo: async hello"
    raw = await aclient.responses.create(model=GEMINI3, input="weather?", tools=[WEATHER], stream=True)
    events = [event async for event in raw]
    assert events[-1].type == "response.completed" and events[-1].response.output[0].type == "function_call"
    stored = await aclient.responses.retrieve(events[-1].response.id)  # kept once the stream ended
    assert stored.output[0].call_id == events[-1].response.output[0].call_id


def test_retrieve_stream_is_refused_before_any_request(client: OpenAI, vertex: FakeVertex) -> None:
    if "stream" not in inspect.signature(client.responses.retrieve).parameters:
        pytest.skip("this openai release has no responses.retrieve(stream=)")
    stored = client.responses.create(model=MODEL, input="hello")
    # A missing id too: a request that got through would be a 404, not the refusal.
    for response_id in (stored.id, "resp_missing"):
        with pytest.raises(TranslationError, match=re.escape("responses.retrieve(id) without stream=")):
            client.responses.retrieve(response_id, stream=True)
    assert client.responses.retrieve(stored.id).output_text == "Echo: hello"
    assert len(vertex.requests) == 1  # the create only


# openai 3.x uses httpx2, 1.x/2.x httpx: the pool limits come from whichever the SDK uses.
_http: Any = importlib.import_module("httpx2" if openai.__version__.startswith("3.") else "httpx")
ONE_CONNECTION = {"limits": _http.Limits(max_connections=1), "timeout": _http.Timeout(10, pool=1)}


def test_an_abandoned_stream_releases_its_connection_and_stores_nothing(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    vertex.chunk_delay = 0.05  # Vertex is still streaming when the consumer leaves
    http_client = openai.DefaultHttpxClient(**ONE_CONNECTION)
    creds = sa_credentials(google_auth)
    client = OpenAI(base_url=vertex.base_url, credentials=creds, http_client=http_client, max_retries=0)
    stream = client.responses.create(model=MODEL, input="one two three four five six", stream=True)
    for event in stream:
        first = event
        break
    stream.close()
    assert first.type == "response.created"
    # Were the Vertex connection still held, the pool's only one: APITimeoutError after 1 s.
    assert client.responses.create(model=MODEL, input="next").output_text == "Echo: next"
    # Nothing half-written: the store keeps a streamed response only after its terminal event.
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(first.response.id)


async def test_an_abandoned_async_stream_releases_its_connection_and_stores_nothing(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    vertex.chunk_delay = 0.05
    http_client = openai.DefaultAsyncHttpxClient(**ONE_CONNECTION)
    creds = sa_credentials(google_auth)
    aclient = AsyncOpenAI(base_url=vertex.base_url, credentials=creds, http_client=http_client, max_retries=0)
    stream = await aclient.responses.create(model=MODEL, input="one two three four five six", stream=True)
    async for event in stream:
        first = event
        break
    await stream.close()
    assert first.type == "response.created"
    assert (await aclient.responses.create(model=MODEL, input="next")).output_text == "Echo: next"
    with pytest.raises(openai.NotFoundError):
        await aclient.responses.retrieve(first.response.id)


@pytest.mark.parametrize("text", ["word ", 'say "hi"\n', "naïve 東京 🌧", "\x00\x1f\\", ""])
def test_the_text_delta_shortcut_writes_what_the_json_encoder_would(text: str) -> None:
    from openai_vertex._responses.events import EventStream
    from openai_vertex._responses.routes import _sse_event

    events = EventStream({"model": MODEL})
    events.start()
    chunk = {"choices": [{"index": 0, "delta": {"content": "x"}}]}
    delta = next(e for e in events.chunk(chunk) if e["type"] == "response.output_text.delta")
    delta["delta"] = text
    data = json.dumps(delta, separators=(",", ":")).encode()
    assert _sse_event(delta) == b"event: response.output_text.delta\ndata: %s\n\n" % data
    with_logprobs = {**delta, "logprobs": [{"token": "x", "logprob": -0.1}]}  # not the shortcut's shape
    assert json.loads(_sse_event(with_logprobs).split(b"data: ", 1)[1]) == with_logprobs


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_vertex_sse_payloads_are_found_however_the_bytes_are_split(newline: bytes) -> None:
    from openai_vertex._responses.routes import _payloads

    payloads = [b'{"a":1}', b'{"b":"x y"}', b"[DONE]"]
    stream = b"".join(b"data: " + p + newline + b": comment" + newline + newline for p in payloads)
    for size in (1, 2, 5, 64, len(stream)):
        pieces = [stream[i : i + size] for i in range(0, len(stream), size)]
        assert list(_payloads(iter(pieces))) == payloads, size
