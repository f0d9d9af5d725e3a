"""``client.responses.create``/``parse`` over loopback against FakeVertex, which speaks Chat Completions
only (as Vertex does for Gemini) and rejects what Vertex rejects: each success here is a Responses call
that was translated into a chat request Vertex accepts, and back into a real ``Response``."""

from __future__ import annotations

import base64
import inspect
import json
import re
import socket
import time
import warnings
from collections.abc import Iterator
from typing import Any

import openai
import pydantic
import pytest
from openai.types.responses import Response

from openai_vertex import AsyncOpenAI, ImageFetcher, OpenAI, VertexCompatibilityWarning
from openai_vertex.exceptions import ImageFetchError, TranslationError
from openai_vertex.testing import FakeGoogleAuth, FakeVertex
from openai_vertex.testing._vertex_replies import THOUGHT_TEXT

from .test_auth import sa_credentials
from .test_images_e2e import allow_local_server

MODEL = "gemini-2.5-flash"
GEMINI3 = "gemini-3-flash-preview"  # the fake enforces thought signatures on replayed calls
WEATHER: Any = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}
TIME: Any = {**WEATHER, "name": "get_time", "description": "Time in a city"}
PDF = base64.b64encode(b"%PDF-1.4 tiny").decode()
PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG fake").decode()


@pytest.fixture
def client(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> OpenAI:
    return OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth), max_retries=0)


@pytest.fixture
def aclient(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth), max_retries=0)


def sent(vertex: FakeVertex) -> dict[str, Any]:
    last = vertex.requests[-1]
    assert last.body is not None and last.status == 200 and last.path.endswith("/chat/completions")
    return last.body


def supports(client: OpenAI, name: str) -> bool:
    """Whether this openai line's ``responses.create`` has the parameter (older lines lack some)."""
    return name in inspect.signature(client.responses.create).parameters


def test_text_with_every_translated_field(client: OpenAI, vertex: FakeVertex) -> None:
    result = client.responses.create(
        model=MODEL,
        input="hello",
        instructions="Be brief.",
        temperature=0.2,
        top_p=0.9,
        max_output_tokens=50,
        metadata={"run": "7"},
        store=True,
        truncation="disabled",
    )
    assert isinstance(result, Response)
    assert result.output_text == "Echo: hello" and result.status == "completed"
    assert result.id.startswith("resp_") and len(result.id) == 53 and result.output[0].id.startswith("msg_")
    assert (
        result.metadata == {"run": "7"} and result.instructions == "Be brief." and result.temperature == 0.2
    )
    assert result.usage is not None and result.usage.output_tokens == 2  # the fake counts words
    assert result.usage.total_tokens == result.usage.input_tokens + 2
    body = sent(vertex)
    assert body == {
        "model": "google/gemini-2.5-flash",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello"}],
        "temperature": 0.2,
        "top_p": 0.9,
        "max_tokens": 50,
    }
    assert vertex.requests[-1].ignored_keys == ()  # nothing Vertex would silently ignore


def test_message_items_with_images_and_files(client: OpenAI, vertex: FakeVertex) -> None:
    content: Any = [
        {"type": "input_text", "text": "describe"},
        {"type": "input_image", "image_url": PNG, "detail": "high"},
        {"type": "input_image", "image_url": "gs://bucket/cat.jpg", "detail": "auto"},
        {"type": "input_file", "file_data": PDF, "filename": "report.pdf"},
        {"type": "input_file", "file_url": "gs://bucket/paper.pdf"},
    ]
    items: Any = [
        {"role": "developer", "content": "You describe files."},
        {"type": "message", "role": "user", "content": content},
    ]
    assert client.responses.create(model=MODEL, input=items).output_text == "Echo: describe"
    messages = sent(vertex)["messages"]
    assert messages[0] == {"role": "system", "content": "You describe files."}
    assert messages[1]["content"] == [
        {"type": "text", "text": "describe"},
        {"type": "image_url", "image_url": {"url": PNG, "detail": "high"}},
        {"type": "image_url", "image_url": {"url": "gs://bucket/cat.jpg"}},
        {"type": "image_url", "image_url": {"url": f"data:application/pdf;base64,{PDF}"}},
        {"type": "image_url", "image_url": {"url": "gs://bucket/paper.pdf"}},
    ]


@pytest.mark.parametrize("include", [[], ["reasoning.encrypted_content"]])
def test_tool_loop_by_items_keeps_gemini3_signatures_without_store(
    client: OpenAI, vertex: FakeVertex, include: Any
) -> None:
    question: Any = {"role": "user", "content": "Weather in Paris?"}
    first = client.responses.create(
        model=GEMINI3, input=[question], tools=[WEATHER], store=False, include=include
    )
    call = first.output[0]
    assert (
        call.type == "function_call"
        and call.name == "get_weather"
        and json.loads(call.arguments) == {"city": "a"}
    )
    assert call.id is not None and call.id.startswith("fc_")
    # As openai-agents replays output items: model_dump(exclude_unset=True).
    replay: Any = [question, *[item.model_dump(exclude_unset=True) for item in first.output]]
    replay.append({"type": "function_call_output", "call_id": call.call_id, "output": "sunny"})
    second = client.responses.create(
        model=GEMINI3, input=replay, tools=[WEATHER], store=False, include=include
    )
    assert second.output_text == "Tool said: sunny"  # the fake 400s a replayed call without its signature
    assistant, tool = sent(vertex)["messages"][1:]
    assert assistant["tool_calls"][0]["extra_content"]["google"]["thought_signature"]
    assert tool["tool_call_id"] == assistant["tool_calls"][0]["id"] and "__vts__" not in tool["tool_call_id"]
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(first.id)  # store=False kept nothing


def test_tool_loop_by_previous_response_id(client: OpenAI, vertex: FakeVertex) -> None:
    first = client.responses.create(
        model=GEMINI3, input="Weather?", instructions="Use tools.", tools=[WEATHER]
    )
    call = first.output[0]
    assert call.type == "function_call"
    output: Any = [{"type": "function_call_output", "call_id": call.call_id, "output": "rain"}]
    second = client.responses.create(
        model=GEMINI3, previous_response_id=first.id, input=output, tools=[WEATHER]
    )
    assert second.output_text == "Tool said: rain" and second.previous_response_id == first.id
    messages = sent(vertex)["messages"]
    # Instructions are not carried over (as on OpenAI); the history is.
    assert [m["role"] for m in messages] == ["user", "assistant", "tool"]
    third = client.responses.create(model=GEMINI3, previous_response_id=second.id, input="Thanks!")
    assert third.output_text == "Echo: Thanks!"
    assert [m["role"] for m in sent(vertex)["messages"]] == ["user", "assistant", "tool", "assistant", "user"]


def test_unknown_previous_response_is_a_400(client: OpenAI, vertex: FakeVertex) -> None:
    with pytest.raises(openai.BadRequestError, match="resp_missing"):
        client.responses.create(model=MODEL, previous_response_id="resp_missing", input="hi")
    assert vertex.requests == []


@pytest.mark.parametrize(
    ("choice", "expected", "tool_names"),
    [
        ("none", "none", ["get_weather", "get_time"]),
        ("auto", "auto", ["get_weather", "get_time"]),
        ("required", "required", ["get_weather", "get_time"]),
        ({"type": "function", "name": "get_time"}, "required", ["get_time"]),
        (
            {"type": "allowed_tools", "mode": "auto", "tools": [{"type": "function", "name": "get_weather"}]},
            "auto",
            ["get_weather"],
        ),
    ],
)
def test_tool_choice_forms(
    client: OpenAI, vertex: FakeVertex, choice: Any, expected: str, tool_names: list[str]
) -> None:
    result = client.responses.create(model=MODEL, input="go", tools=[WEATHER, TIME], tool_choice=choice)
    body = sent(vertex)
    assert body["tool_choice"] == expected
    assert [t["function"]["name"] for t in body["tools"]] == tool_names
    assert "strict" not in body["tools"][0]["function"]
    assert "additionalProperties" not in body["tools"][0]["function"]["parameters"]
    assert result.tool_choice == choice or result.tool_choice.type == choice["type"]  # type: ignore[union-attr,index]


def test_parallel_tool_calls_false_warns_naming_it(client: OpenAI) -> None:
    with pytest.warns(VertexCompatibilityWarning, match="parallel_tool_calls"):
        result = client.responses.create(
            model=MODEL, input="go", tools=[WEATHER, TIME], parallel_tool_calls=False
        )
    assert result.parallel_tool_calls is False


class City(pydantic.BaseModel):
    name: str
    population: int


def test_parse_with_text_format(client: OpenAI, vertex: FakeVertex) -> None:
    parsed = client.responses.parse(model=MODEL, input="A city, please", text_format=City)
    assert parsed.output_parsed == City(name="a", population=0)
    fmt = sent(vertex)["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "City"
    assert "strict" not in fmt["json_schema"]


def test_json_object_and_json_schema_formats(client: OpenAI, vertex: FakeVertex) -> None:
    result = client.responses.create(model=MODEL, input="hi", text={"format": {"type": "json_object"}})
    assert json.loads(result.output_text) == {"echo": "hi"}
    assert sent(vertex)["response_format"] == {"type": "json_object"}
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    fmt: Any = {"type": "json_schema", "name": "N", "schema": schema, "strict": True}
    result = client.responses.create(model=MODEL, input="hi", text={"format": fmt})
    assert json.loads(result.output_text) == {"n": 0} and result.text.format.type == "json_schema"  # type: ignore[union-attr]


def test_web_search_becomes_google_search(client: OpenAI, vertex: FakeVertex) -> None:
    client.responses.create(model=MODEL, input="news?", tools=[{"type": "web_search_preview"}])
    assert sent(vertex)["web_search_options"] == {} and "tools" not in sent(vertex)
    with pytest.warns(VertexCompatibilityWarning, match="search_context_size"):
        tool: Any = {"type": "web_search_preview", "search_context_size": "high"}
        client.responses.create(model=MODEL, input="news?", tools=[tool])
    assert sent(vertex)["web_search_options"] == {}


def test_reasoning_effort_and_summaries(client: OpenAI, vertex: FakeVertex) -> None:
    client.responses.create(model=MODEL, input="think", reasoning={"effort": "low"})
    assert sent(vertex)["reasoning_effort"] == "low"
    result = client.responses.create(
        model=MODEL, input="think", reasoning={"effort": "medium", "summary": "auto"}
    )
    google = sent(vertex)["extra_body"]["google"]
    assert google["thinking_config"] == {"include_thoughts": True, "thinking_budget": 8192}
    assert "reasoning_effort" not in sent(vertex)
    reasoning, message = result.output
    assert message.type == "message" and reasoning.type == "reasoning" and reasoning.id.startswith("rs_")
    assert [s.text for s in reasoning.summary] == [THOUGHT_TEXT]
    assert result.output_text == "Echo: think"  # the thought is not in the text
    assert result.usage is not None and result.usage.output_tokens_details.reasoning_tokens > 0


def test_unsupported_fields_follow_the_policy(
    client: OpenAI, vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    kwargs: dict[str, Any] = {"user": "u-1", "service_tier": "flex", "truncation": "auto"}
    kwargs["text"] = {"verbosity": "low"}
    kwargs["include"] = ["message.output_text.logprobs"]
    if supports(client, "prompt_cache_key"):
        kwargs["prompt_cache_key"] = "k"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.responses.create(model=MODEL, input="hi", **kwargs)
    named = " ".join(str(w.message) for w in caught if w.category is VertexCompatibilityWarning)
    for field in (
        "'user'",
        "'service_tier'",
        "'truncation'",
        "'text.verbosity'",
        "message.output_text.logprobs",
    ):
        assert field in named
    assert ("'prompt_cache_key'" in named) is ("prompt_cache_key" in kwargs)
    assert set(sent(vertex)) == {"model", "messages"}
    strict = OpenAI(
        base_url=vertex.base_url, credentials=sa_credentials(google_auth), unsupported_params="error"
    )
    vertex.clear_requests()
    with pytest.raises(TranslationError, match=r"'user'.*'text\.verbosity'"):
        strict.responses.create(model=MODEL, input="hi", user="u-1", text={"verbosity": "high"})
    assert vertex.requests == []
    quiet = OpenAI(
        base_url=vertex.base_url, credentials=sa_credentials(google_auth), unsupported_params="drop"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet.responses.create(model=MODEL, input="hi", user="u-1")


def _refusals(client: OpenAI) -> list[tuple[dict[str, Any], str]]:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"tools": [{"type": "file_search", "vector_store_ids": ["vs_1"]}]}, "file_search"),
        ({"tools": [{"type": "code_interpreter", "container": {"type": "auto"}}]}, "code_interpreter"),
        (
            {
                "tools": [
                    {
                        "type": "computer_use_preview",
                        "display_width": 1,
                        "display_height": 1,
                        "environment": "linux",
                    }
                ]
            },
            "computer_use_preview",
        ),
        ({"tools": [{"type": "image_generation"}]}, "image_generation"),
        ({"tools": [{"type": "mcp", "server_label": "x", "server_url": "https://x"}]}, "mcp"),
        ({"tools": [{"type": "web_search_preview"}, WEATHER]}, "Google Search"),
        ({"tool_choice": {"type": "file_search"}, "tools": [WEATHER]}, "tool_choice"),
        ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "item_reference"),
        (
            {"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "file_1"}]}]},
            "Files API",
        ),
        (
            {
                "input": [
                    {"role": "user", "content": [{"type": "input_image", "file_id": "f", "detail": "auto"}]}
                ]
            },
            "Files API",
        ),
    ]
    if supports(client, "background"):
        cases.append(({"background": True}, "background"))
    if supports(client, "conversation"):
        cases.append(({"conversation": "conv_1"}, "Conversations"))
    if supports(client, "prompt"):
        cases.append(({"prompt": {"id": "pmpt_1"}}, "prompt templates"))
    return cases


def test_every_refusal_is_raised_before_any_request(client: OpenAI, vertex: FakeVertex) -> None:
    for kwargs, needle in _refusals(client):
        call: dict[str, Any] = {"model": MODEL, "input": "hi", **kwargs}
        with pytest.raises(TranslationError, match=needle):
            client.responses.create(**call)
        with pytest.raises(TranslationError, match=needle):
            client.responses.create(**call, stream=True)
    with pytest.raises(TranslationError, match="nothing to cancel"):
        client.responses.cancel("resp_1")
    assert vertex.requests == []


def test_vertex_errors_reach_the_caller_as_status_errors(client: OpenAI, vertex: FakeVertex) -> None:
    vertex.fail_next(429)
    with pytest.raises(openai.RateLimitError) as caught:
        client.responses.create(model=MODEL, input="hi")
    assert caught.value.code == "RESOURCE_EXHAUSTED"
    with pytest.raises(openai.NotFoundError, match="gemini-nope"):
        client.responses.create(model="gemini-nope", input="hi")


def test_length_and_safety_stops_are_incomplete(client: OpenAI, vertex: FakeVertex) -> None:
    vertex.queue_reply(content="partial answ", finish_reason="length")
    result = client.responses.create(model=MODEL, input="long", max_output_tokens=3)
    assert result.status == "incomplete" and result.incomplete_details is not None
    assert result.incomplete_details.reason == "max_output_tokens" and result.output_text == "partial answ"
    vertex.queue_reply(content=None, finish_reason="content_filter")
    blocked = client.responses.create(model=MODEL, input="bad")
    assert blocked.status == "incomplete" and blocked.incomplete_details.reason == "content_filter"  # type: ignore[union-attr]
    assert blocked.output == [] and blocked.output_text == ""


async def test_async_create_parse_and_previous_response(aclient: AsyncOpenAI, vertex: FakeVertex) -> None:
    first = await aclient.responses.create(model=GEMINI3, input="Weather?", tools=[WEATHER])
    call = first.output[0]
    assert call.type == "function_call"
    output: Any = [{"type": "function_call_output", "call_id": call.call_id, "output": "snow"}]
    second = await aclient.responses.create(model=GEMINI3, previous_response_id=first.id, input=output)
    assert second.output_text == "Tool said: snow"
    parsed = await aclient.responses.parse(model=MODEL, input="A city", text_format=City)
    assert parsed.output_parsed == City(name="a", population=0)
    assert (await aclient.responses.retrieve(second.id)).output_text == "Tool said: snow"


def image_input(url: str) -> Any:
    return [{"role": "user", "content": [{"type": "input_image", "image_url": url, "detail": "auto"}]}]


UNFETCHABLE = "http://127.0.0.1:9/cat"  # loopback: the default fetcher refuses it without dialing
UNFETCHABLE_CHAT: Any = [
    {"role": "user", "content": [{"type": "image_url", "image_url": {"url": UNFETCHABLE}}]}
]


def test_an_unfetchable_image_raises_the_chat_path_s_image_fetch_error(
    client: OpenAI, vertex: FakeVertex
) -> None:
    with pytest.raises(ImageFetchError) as chat:
        client.chat.completions.create(model=MODEL, messages=UNFETCHABLE_CHAT)
    with pytest.raises(ImageFetchError) as responses:
        client.responses.create(model=MODEL, input=image_input(UNFETCHABLE))
    assert type(responses.value) is type(chat.value) and str(responses.value) == str(chat.value)
    assert "non-public address" in str(chat.value) and vertex.requests == []


async def test_an_unfetchable_image_raises_image_fetch_error_async(
    aclient: AsyncOpenAI, vertex: FakeVertex
) -> None:
    with pytest.raises(ImageFetchError) as chat:
        await aclient.chat.completions.create(model=MODEL, messages=UNFETCHABLE_CHAT)
    with pytest.raises(ImageFetchError) as responses:
        await aclient.responses.create(model=MODEL, input=image_input(UNFETCHABLE), stream=True)
    assert type(responses.value) is type(chat.value) and str(responses.value) == str(chat.value)
    assert vertex.requests == []


@pytest.fixture
def silent_image_url() -> Iterator[str]:
    """An image host that accepts connections (the listen backlog does) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/photo"


def loopback_images_client(vertex: FakeVertex, google_auth: FakeGoogleAuth, client_class: Any) -> Any:
    fetcher = ImageFetcher(is_allowed_address=allow_local_server)
    return client_class(
        base_url=vertex.base_url, credentials=sa_credentials(google_auth), image_fetcher=fetcher, timeout=60
    )


@pytest.mark.parametrize("how", ["per_call", "with_options"])
def test_image_fetching_is_bounded_by_the_call_s_timeout(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, silent_image_url: str, how: str
) -> None:
    client: OpenAI = loopback_images_client(vertex, google_auth, OpenAI)
    create: Any = client.responses.create
    if how == "with_options":
        create = client.with_options(timeout=1).responses.create
    extra: Any = {"timeout": 1} if how == "per_call" else {}
    start = time.monotonic()
    with pytest.raises(ImageFetchError, match=re.escape("took longer than 1 s (the request's timeout)")):
        create(model=MODEL, input=image_input(silent_image_url), **extra)
    assert time.monotonic() - start < 2.0  # not the fetcher's 10 s read limit or 30 s total limit
    assert vertex.requests == []


async def test_async_image_fetching_is_bounded_by_the_call_s_timeout(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, silent_image_url: str
) -> None:
    aclient: AsyncOpenAI = loopback_images_client(vertex, google_auth, AsyncOpenAI)
    start = time.monotonic()
    with pytest.raises(ImageFetchError, match=re.escape("took longer than 1 s (the request's timeout)")):
        await aclient.responses.create(model=MODEL, input=image_input(silent_image_url), timeout=1)
    assert time.monotonic() - start < 2.0
    assert vertex.requests == []


def test_url_citations_become_output_text_annotations(client: OpenAI, vertex: FakeVertex) -> None:
    citation = {"url": "https://example.com/a", "title": "A", "start_index": 0, "end_index": 4}
    message = {
        "content": "Paris is sunny.",
        "annotations": [{"type": "url_citation", "url_citation": citation}],
    }
    vertex.queue_reply(message=message)
    result = client.responses.create(model=MODEL, input="news?", tools=[{"type": "web_search"}])
    part = result.output[0].content[0]  # type: ignore[union-attr]
    assert part.type == "output_text" and [a.model_dump() for a in part.annotations] == [
        {"type": "url_citation", **citation}
    ]
