"""Streamed usage follows OpenAI's stream_options contract (issue 11, item 6).

OpenAI (API reference, chat.completions.create, ``stream_options.include_usage``): one extra chunk
before ``[DONE]`` carries the usage, with ``choices == []``; every other chunk has ``usage: null``;
without the option no chunk has usage. The fake Vertex streams as Vertex documents it: usage on the
last chunk, next to its choices, asked for or not.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from openai_vertex import AsyncOpenAI, OpenAI
from openai_vertex._usage_stream import UsageContract
from openai_vertex.testing import FakeVertex

from .conftest import USER_HELLO

MODEL = "gemini-2.5-flash"


def usage_of(chunks: list[Any]) -> Any:
    """The common consumer pattern, verbatim."""
    found = None
    for chunk in chunks:
        if not chunk.choices and chunk.usage:
            found = chunk.usage
    return found


def test_vertex_itself_sends_usage_next_to_choices(vertex: FakeVertex, google_auth: Any) -> None:
    # What makes the rewriting necessary: the raw stream has no usage-only chunk.
    from google.auth.transport.requests import Request

    creds = google_auth.credentials()
    creds.refresh(Request())
    body = {"model": "google/" + MODEL, "messages": USER_HELLO, "stream": True}
    headers = {"Authorization": f"Bearer {creds.token}"}
    text = requests.post(f"{vertex.base_url}/chat/completions", json=body, headers=headers, timeout=10).text
    assert '"usage"' in text and '"choices": []' not in text and '"choices":[]' not in text


def test_include_usage_gives_one_final_usage_only_chunk(adc: FakeVertex) -> None:
    client = OpenAI()
    stream = client.chat.completions.create(
        model=MODEL,
        messages=USER_HELLO,
        stream=True,
        stream_options={"include_usage": True},  # type: ignore[arg-type]
    )
    chunks = list(stream)
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert all(c.usage is None for c in chunks[:-1])
    assert all(c.choices for c in chunks[:-1])
    usage = usage_of(chunks)
    assert usage is not None and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens > 0
    assert "".join(c.choices[0].delta.content or "" for c in chunks[:-1]) == "Echo: hello"
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].id == chunks[0].id and chunks[-1].model == chunks[0].model
    assert all("x-openai-vertex" not in name for r in adc.requests for name in r.headers)


@pytest.mark.parametrize("options", [None, {"include_usage": False}])
def test_without_include_usage_no_chunk_has_usage(adc: FakeVertex, options: Any) -> None:
    client = OpenAI()
    extra = {} if options is None else {"stream_options": options}
    chunks = list(client.chat.completions.create(model=MODEL, messages=USER_HELLO, stream=True, **extra))  # type: ignore[call-overload]
    assert chunks and all(c.usage is None for c in chunks) and all(c.choices for c in chunks)
    assert usage_of(chunks) is None


async def test_include_usage_async(adc: FakeVertex) -> None:
    client = AsyncOpenAI()
    stream = await client.chat.completions.create(
        model=MODEL,
        messages=USER_HELLO,
        stream=True,
        stream_options={"include_usage": True},  # type: ignore[arg-type]
    )
    chunks = [chunk async for chunk in stream]
    assert usage_of(chunks) is not None
    assert chunks[-1].choices == [] and all(c.usage is None for c in chunks[:-1])


def test_include_usage_survives_a_401_refresh(adc: FakeVertex, google_auth: Any) -> None:
    client = OpenAI()
    assert client.chat.completions.create(model=MODEL, messages=USER_HELLO).choices  # type: ignore[arg-type]
    google_auth.revoke_all()  # the cached token is rejected once: refresh, re-send
    chunks = list(
        client.chat.completions.create(
            model=MODEL,
            messages=USER_HELLO,
            stream=True,
            stream_options={"include_usage": True},  # type: ignore[arg-type]
        )
    )
    assert usage_of(chunks) is not None and chunks[-1].choices == []


def test_the_rewriting_is_independent_of_how_the_bytes_are_split() -> None:
    head = '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m"'
    events = (
        f'data: {head},"choices":[{{"index":0,"delta":{{"content":"hi"}}}}]}}\n\n'
        f'data: {head},"choices":[{{"index":0,"delta":{{}},"finish_reason":"stop"}}],'
        '"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}\r\n\r\n'
        "data: [DONE]\n\n"
    ).encode()
    whole = UsageContract(True)
    expected = whole.feed(events) + whole.flush()
    assert expected.count(b'"choices":[]') == 1 and expected.endswith(b"data: [DONE]\n\n")
    for size in (1, 7, 64):
        contract = UsageContract(True)
        pieces = [contract.feed(events[i : i + size]) for i in range(0, len(events), size)]
        assert b"".join(pieces) + contract.flush() == expected


def test_a_malformed_stream_event_ends_the_stream_with_a_value_error(adc: FakeVertex) -> None:
    # What the Reliability table promises: the chunks before it arrive, then the SDK's own decoding
    # error (a ValueError, as with the plain openai client); nothing is silently skipped.
    good = {
        "id": "x",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}, "finish_reason": None}],
    }
    adc.queue_reply(raw=b"data: " + json.dumps(good).encode() + b"\n\ndata: {not json\n\ndata: [DONE]\n\n")
    received: list[Any] = []
    with pytest.raises(ValueError):
        for chunk in OpenAI().chat.completions.create(model=MODEL, messages=USER_HELLO, stream=True):
            received.append(chunk)
    assert [c.choices[0].delta.content for c in received] == ["Hi"]
