"""The fake Vertex rejects what Vertex's documents say Vertex rejects (sources in _vertex_limits.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from google.auth.transport.requests import Request

from openai_vertex.testing import FakeGoogleAuth, FakeVertex

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def regional(google_auth: FakeGoogleAuth) -> Iterator[FakeVertex]:
    with FakeVertex(auth=google_auth, project="fake-project", location="us-central1") as fake:
        yield fake


def plain(fake: FakeVertex, google_auth: FakeGoogleAuth) -> openai.OpenAI:
    """A plain openai client aimed straight at the fake, so only the fake's rules are exercised."""
    credentials = google_auth.credentials()
    credentials.refresh(Request())
    return openai.OpenAI(base_url=fake.base_url, api_key=credentials.token, max_retries=0)


def rejected(error: pytest.ExceptionInfo[openai.APIStatusError], text: str) -> None:
    """Vertex's error body is a list holding one Google error object."""
    body = error.value.response.json()
    message = (body[0] if isinstance(body, list) else body)["error"]["message"]
    assert text in message, message


def create(fake: FakeVertex, google_auth: FakeGoogleAuth, **params: Any) -> Any:
    body: dict[str, Any] = {"model": "google/gemini-2.5-flash", "messages": MESSAGES, **params}
    return plain(fake, google_auth).chat.completions.create(**body)


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"temperature": 2.5}, "temperature value of 2.5"),  # [PARAMS] 0.0-2.0
        ({"temperature": -0.1}, "temperature value of -0.1"),
        ({"top_p": 1.5}, "top_p value of 1.5"),  # [PARAMS] 0.0-1.0
        ({"n": 9}, "candidateCount must be in [1, 8]"),  # [PARAMS] 1-8
        ({"n": 0}, "candidateCount must be in [1, 8]"),
        ({"max_tokens": 70_000}, "maxOutputTokens value of 70000"),  # [MODELS] 65,535 for 2.5
        ({"max_completion_tokens": 0}, "max_completion_tokens must be a positive integer"),
    ],
)
def test_out_of_range_parameters_are_rejected(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, params: dict[str, Any], text: str
) -> None:
    with pytest.raises(openai.BadRequestError) as error:
        create(vertex, google_auth, **params)
    rejected(error, text)
    assert vertex.requests[-1].body is not None  # it reached the fake: the fake judged it


def test_in_range_edges_are_accepted(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    reply = create(vertex, google_auth, temperature=2.0, top_p=1.0, n=2, max_tokens=65_535)
    assert len(reply.choices) >= 1


def test_gemini_2_0_has_a_smaller_output_limit(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    body = {"model": "google/gemini-2.0-flash-001", "messages": MESSAGES, "max_tokens": 9000}
    with pytest.raises(openai.BadRequestError) as error:
        plain(vertex, google_auth).chat.completions.create(**body)  # type: ignore[call-overload]
    rejected(error, "to 8193 (exclusive)")


def test_gemini_3_previews_are_served_on_global_only(
    regional: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    client = plain(regional, google_auth)
    with pytest.raises(openai.NotFoundError) as error:
        client.chat.completions.create(model="google/gemini-3-pro-preview", messages=MESSAGES)  # type: ignore[arg-type]
    rejected(error, "global location only")


def test_reasoning_effort_with_thinking_config_conflicts(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    extra = {"extra_body": {"google": {"thinking_config": {"thinking_budget": 0}}}}
    with pytest.raises(openai.BadRequestError) as error:
        create(vertex, google_auth, reasoning_effort="low", **extra)
    rejected(error, "Only one of reasoning_effort")


def test_integer_enum_reply_is_a_number(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    schema = {
        "type": "object",
        "properties": {"stars": {"type": "integer", "enum": ["3", "4"]}},
        "required": ["stars"],
    }
    fmt = {"type": "json_schema", "json_schema": {"name": "rating", "schema": schema}}
    reply = create(vertex, google_auth, response_format=fmt)
    assert json.loads(reply.choices[0].message.content) == {"stars": 3}


def _images(*details: str) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [{"type": "text", "text": "compare"}]
    parts += [
        {"type": "image_url", "image_url": {"url": f"gs://bucket/{i}.png", "detail": d}}
        for i, d in enumerate(details)
    ]
    return [{"role": "user", "content": parts}]


def test_mixed_image_detail_is_rejected_before_gemini_3(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    client = plain(vertex, google_auth)
    with pytest.raises(openai.BadRequestError) as error:
        client.chat.completions.create(model="google/gemini-2.5-flash", messages=_images("low", "high"))  # type: ignore[arg-type]
    rejected(error, "image detail must be the same")
    same = client.chat.completions.create(model="google/gemini-2.5-flash", messages=_images("low", "low"))  # type: ignore[arg-type]
    assert same.choices
    gemini3 = client.chat.completions.create(
        model="google/gemini-3-pro-preview", messages=_images("low", "high")
    )  # type: ignore[arg-type]
    assert gemini3.choices  # part-level media_resolution from Gemini 3 on


@pytest.mark.parametrize(
    "params",
    [
        {"messages": 5},
        {"messages": [{"role": "user", "content": {"text": "a dict"}}]},
        {"messages": [{"role": 7, "content": "hi"}]},
        {"messages": [{"role": "user", "content": [5]}]},
        {"tools": "get_weather"},
        {"tools": [{"type": "function", "function": {"name": "f", "parameters": {"required": 5}}}]},
        {"response_format": {"type": "json_schema", "json_schema": 5}},
        {"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": []}}},
    ],
)
def test_malformed_bodies_are_a_400_never_a_500(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, params: dict[str, Any]
) -> None:
    # Vertex answers a body it cannot read as 400 INVALID_ARGUMENT (Google's API error model).
    with pytest.raises(openai.BadRequestError) as caught:
        create(vertex, google_auth, **params)
    assert caught.value.status_code == 400


@pytest.mark.parametrize("bound", [{"minItems": 1_000_000_000}, {"minLength": 1_000_000_000}])
def test_extreme_schema_bounds_are_refused_not_built(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, bound: dict[str, Any]
) -> None:
    kind = "array" if "minItems" in bound else "string"
    schema = {
        "type": "object",
        "properties": {
            "v": {"type": kind, **bound, **({"items": {"type": "string"}} if kind == "array" else {})}
        },
        "required": ["v"],
    }
    response_format = {"type": "json_schema", "json_schema": {"name": "big", "schema": schema}}
    with pytest.raises(openai.BadRequestError) as caught:
        create(vertex, google_auth, response_format=response_format)
    rejected(caught, "at most 10000 items or characters")
