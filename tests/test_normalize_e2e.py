"""Response normalization through `openai_vertex.OpenAI`/`AsyncOpenAI` against the fake Vertex endpoint,
which reproduces Vertex's streamed tool-call quirks, thought tags and Gemini 3 signature checks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai
import pytest

from openai_vertex import AsyncOpenAI, OpenAI
from openai_vertex._translate.signatures import SEPARATOR
from openai_vertex.testing import FakeGoogleAuth, FakeVertex

from .test_auth import sa_credentials

TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]
# openai < 3 checks that tools given to the async `.stream()` helper are strict.
STRICT_TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {
            **TOOLS[0]["function"],
            "strict": True,
            "parameters": {**TOOLS[0]["function"]["parameters"], "additionalProperties": False},
        },
    }
]
ASK: list[Any] = [{"role": "user", "content": "Weather in Paris?"}]
MODELS = ["gemini-2.5-flash", "gemini-3.1-pro-preview"]
THOUGHT = "Thinking: the user wants an echo."  # what the fake thinks (testing._vertex_replies)


@pytest.fixture
def client(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> Iterator[OpenAI]:
    with OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth)) as client:
        yield client


@pytest.fixture
async def aclient(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> AsyncIterator[AsyncOpenAI]:
    async with AsyncOpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth)) as client:
        yield client


def thinking(marker: str | None = None) -> dict[str, Any]:
    google: dict[str, Any] = {"thinking_config": {"include_thoughts": True}}
    if marker:
        google["thought_tag_marker"] = marker
    return {"google": google}


def helper(client: Any) -> Any:
    """Where `.stream()` lives: ``chat.completions`` in recent openai, ``beta.chat.completions`` before."""
    completions = client.chat.completions
    return completions if hasattr(completions, "stream") else client.beta.chat.completions


def collect(chunks: Any) -> dict[str, Any]:
    """Assemble a stream by hand, the way application code does: by index, concatenating strings."""
    calls: dict[int, dict[str, str]] = {}
    text, reasoning, finish = "", "", None
    for chunk in chunks:
        for choice in chunk.choices:
            delta = choice.delta
            text += delta.content or ""
            reasoning += (delta.model_extra or {}).get("reasoning_content") or ""
            finish = choice.finish_reason or finish
            for tc in delta.tool_calls or []:
                call = calls.setdefault(tc.index, {"id": "", "name": "", "arguments": ""})
                call["id"] += tc.id or ""
                call["name"] += (tc.function and tc.function.name) or ""
                call["arguments"] += (tc.function and tc.function.arguments) or ""
    return {
        "content": text,
        "reasoning": reasoning,
        "finish": finish,
        "calls": [calls[i] for i in sorted(calls)],
    }


# ---- streamed tool calls ------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_streamed_tool_call_by_plain_iteration(client: OpenAI, model: str) -> None:
    got = collect(client.chat.completions.create(model=model, messages=ASK, tools=TOOLS, stream=True))
    (call,) = got["calls"]
    assert call["name"] == "get_weather"
    assert json.loads(call["arguments"]) == {"city": "a"}
    assert call["id"].startswith("call_")
    assert (SEPARATOR in call["id"]) == model.startswith("gemini-3")
    assert got["finish"] == "tool_calls"


@pytest.mark.parametrize("model", MODELS)
def test_streamed_tool_call_by_the_stream_helper(client: OpenAI, model: str) -> None:
    with helper(client).stream(model=model, messages=ASK, tools=TOOLS) as stream:
        final = stream.get_final_completion()
    choice = final.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls or []
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "a"}
    if model.startswith("gemini-3"):
        signature = (call.model_extra or {})["extra_content"]["google"]["thought_signature"]
        assert call.id.endswith(SEPARATOR + signature)


@pytest.mark.parametrize("model", MODELS)
async def test_streamed_tool_call_async(aclient: AsyncOpenAI, model: str) -> None:
    async with helper(aclient).stream(model=model, messages=ASK, tools=STRICT_TOOLS) as stream:
        final = await stream.get_final_completion()
    assert final.choices[0].finish_reason == "tool_calls"
    assert [c.function.name for c in final.choices[0].message.tool_calls or []] == ["get_weather"]
    chunks = [
        c
        async for c in await aclient.chat.completions.create(
            model=model, messages=ASK, tools=TOOLS, stream=True
        )
    ]
    got = collect(iter(chunks))
    assert [c["name"] for c in got["calls"]] == ["get_weather"] and got["finish"] == "tool_calls"


def test_non_streamed_tool_call_finish_reason(client: OpenAI, vertex: FakeVertex) -> None:
    vertex.queue_reply(
        tool_calls=[{"function": {"name": "get_weather", "arguments": "{}"}}], finish_reason="stop"
    )
    reply = client.chat.completions.create(model="gemini-2.5-flash", messages=ASK, tools=TOOLS)
    assert reply.choices[0].finish_reason == "tool_calls"


# ---- the Gemini 3 tool loop, as frameworks write it ---------------------------------------------


def by_hand(call: Any, result: str) -> list[Any]:
    """The assistant turn rebuilt from id/type/function only (extra_content is lost), plus the result."""
    return [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.function.name, "arguments": call.function.arguments},
                }
            ],
        },
        {"role": "tool", "tool_call_id": call.id, "content": result},
    ]


@pytest.mark.parametrize("streamed", [False, True])
def test_gemini_3_tool_loop_survives_a_framework_dropping_extra_content(
    client: OpenAI, vertex: FakeVertex, streamed: bool
) -> None:
    model = "gemini-3.1-pro-preview"
    if streamed:
        with helper(client).stream(model=model, messages=ASK, tools=TOOLS) as stream:
            first = stream.get_final_completion()
    else:
        first = client.chat.completions.create(model=model, messages=ASK, tools=TOOLS)
    (call,) = first.choices[0].message.tool_calls or []
    signature = (call.model_extra or {})["extra_content"]["google"]["thought_signature"]
    original_id = call.id.partition(SEPARATOR)[0]

    second = client.chat.completions.create(
        model=model, messages=[*ASK, *by_hand(call, "sunny")], tools=TOOLS
    )
    assert second.choices[0].message.content == "Tool said: sunny"
    sent = vertex.requests[-1].body
    assert sent is not None
    assistant, tool = sent["messages"][1], sent["messages"][2]
    assert assistant["tool_calls"][0]["id"] == original_id  # Vertex gets its own id back
    assert assistant["tool_calls"][0]["extra_content"] == {"google": {"thought_signature": signature}}
    assert tool["tool_call_id"] == original_id


def test_gemini_3_tool_loop_keeping_the_message_object(client: OpenAI, vertex: FakeVertex) -> None:
    # Google's notebook way: append the returned message itself (extra_content survives as well).
    model = "gemini-3.1-pro-preview"
    message = client.chat.completions.create(model=model, messages=ASK, tools=TOOLS).choices[0].message
    (call,) = message.tool_calls or []
    history: list[Any] = [*ASK, message, {"role": "tool", "tool_call_id": call.id, "content": "rain"}]
    second = client.chat.completions.create(model=model, messages=history, tools=TOOLS)
    assert second.choices[0].message.content == "Tool said: rain"
    sent = vertex.requests[-1].body
    assert sent is not None and SEPARATOR not in json.dumps(sent["messages"])


def test_plain_openai_client_fails_the_same_loop() -> None:
    # The control: without the id round trip, the fake (like Vertex) answers 400.
    with (
        FakeVertex(token_check=lambda token: True) as fake,
        openai.OpenAI(base_url=fake.base_url, api_key="x") as plain,
    ):
        model = "google/gemini-3.1-pro-preview"
        (call,) = (
            plain.chat.completions.create(model=model, messages=ASK, tools=TOOLS)
            .choices[0]
            .message.tool_calls
            or []
        )
        with pytest.raises(openai.BadRequestError) as info:
            plain.chat.completions.create(model=model, messages=[*ASK, *by_hand(call, "sunny")], tools=TOOLS)
        assert "missing a thought_signature" in json.dumps(info.value.body)


# ---- thoughts -----------------------------------------------------------------------------------


def test_thoughts_with_the_users_marker_non_streamed(client: OpenAI) -> None:
    reply = client.chat.completions.create(
        model="gemini-2.5-flash", messages=ASK, extra_body=thinking("think")
    )
    message = reply.choices[0].message
    assert message.content == "Echo: Weather in Paris?"
    assert (message.model_extra or {})["reasoning_content"] == THOUGHT


def test_thoughts_streamed_plain_and_helper(client: OpenAI) -> None:
    got = collect(
        client.chat.completions.create(
            model="gemini-2.5-flash", messages=ASK, stream=True, extra_body=thinking("think")
        )
    )
    assert (got["content"], got["reasoning"]) == ("Echo: Weather in Paris?", THOUGHT)
    with helper(client).stream(
        model="gemini-2.5-flash", messages=ASK, extra_body=thinking("think")
    ) as stream:
        message = stream.get_final_completion().choices[0].message
    assert message.content == "Echo: Weather in Paris?"
    assert (message.model_extra or {})["reasoning_content"] == THOUGHT


async def test_thoughts_async_and_raw_response(aclient: AsyncOpenAI) -> None:
    raw = await aclient.chat.completions.with_raw_response.create(
        model="gemini-2.5-flash", messages=ASK, extra_body=thinking("think")
    )
    message = raw.parse().choices[0].message
    assert message.content == "Echo: Weather in Paris?"
    assert (message.model_extra or {})["reasoning_content"] == THOUGHT


@pytest.mark.parametrize("streamed", [False, True])
def test_thoughts_without_a_marker_are_tagged_by_us(
    client: OpenAI, vertex: FakeVertex, streamed: bool
) -> None:
    args: dict[str, Any] = dict(model="gemini-2.5-flash", messages=ASK, extra_body=thinking())
    if streamed:
        got = collect(client.chat.completions.create(stream=True, **args))
    else:
        message = client.chat.completions.create(**args).choices[0].message
        got = {"content": message.content, "reasoning": (message.model_extra or {}).get("reasoning_content")}
    sent = vertex.requests[-1].body or {}
    assert sent["extra_body"]["google"]["thought_tag_marker"] == "thought"
    assert (got["content"], got["reasoning"]) == ("Echo: Weather in Paris?", THOUGHT)


def test_gemini_3_thoughts_before_a_tool_call(client: OpenAI) -> None:
    model, extra = "gemini-3.1-pro-preview", thinking("thought")
    message = (
        client.chat.completions.create(model=model, messages=ASK, tools=TOOLS, extra_body=extra)
        .choices[0]
        .message
    )
    assert message.content is None  # only thoughts: null, so replaying it is accepted
    assert (message.model_extra or {})["reasoning_content"] == THOUGHT
    with helper(client).stream(model=model, messages=ASK, tools=TOOLS, extra_body=extra) as stream:
        final = stream.get_final_completion().choices[0]
    assert final.message.content is None and final.finish_reason == "tool_calls"


# ---- odd bodies and errors ----------------------------------------------------------------------


def test_message_less_choice(client: OpenAI, vertex: FakeVertex) -> None:
    vertex.queue_reply(
        raw={
            "id": "x",
            "object": "chat.completion",
            "created": 1,
            "model": "google/gemini-2.5-pro",
            "choices": [{"index": 0, "finish_reason": "length"}],
            "usage": {
                "prompt_tokens": 4,
                "total_tokens": 104,
                "completion_tokens_details": {"reasoning_tokens": 100},
            },
        }
    )
    reply = client.chat.completions.create(model="gemini-2.5-pro", messages=ASK, max_tokens=100)
    assert reply.choices[0].message.content is None
    assert reply.choices[0].message.role == "assistant"
    assert reply.usage is not None and reply.usage.completion_tokens == 100


def test_list_shaped_error_before_the_stream_starts(client: OpenAI, vertex: FakeVertex) -> None:
    vertex.fail_next(400)
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="gemini-2.5-flash", messages=ASK, stream=True)
    assert info.value.code == "INVALID_ARGUMENT"
    assert info.value.type == "invalid_request_error"


async def test_list_shaped_error_before_the_stream_starts_async(
    aclient: AsyncOpenAI, vertex: FakeVertex
) -> None:
    vertex.fail_next(429, times=3)
    with pytest.raises(openai.RateLimitError) as info:
        await aclient.with_options(max_retries=0).chat.completions.create(
            model="gemini-2.5-flash", messages=ASK, stream=True
        )
    assert info.value.code == "RESOURCE_EXHAUSTED"


def test_list_shaped_error_inside_a_stream(client: OpenAI, vertex: FakeVertex) -> None:
    first = {
        "id": "x",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}}],
    }
    vertex.queue_reply(
        raw=[first, [{"error": {"code": 503, "message": "Overloaded.", "status": "UNAVAILABLE"}}]]
    )
    with client.chat.completions.create(model="gemini-2.5-flash", messages=ASK, stream=True) as stream:
        assert next(stream).choices[0].delta.content == "Hel"
        with pytest.raises(openai.APIError, match="Overloaded") as info:
            next(stream)
    assert (info.value.code, info.value.type) == ("UNAVAILABLE", "server_error")
