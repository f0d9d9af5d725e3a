"""The fake Vertex rejects what Vertex's documents say Vertex rejects.

Sources are cited next to each rule in _vertex_rules.py, _vertex_limits.py and _fake_vertex.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import openai
import pytest
import requests
from google.auth.transport.requests import Request

import openai_vertex
from openai_vertex.testing import FakeGoogleAuth, FakeVertex
from openai_vertex.testing._vertex_rules import CHAT_MODELS

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def regional(google_auth: FakeGoogleAuth) -> Iterator[FakeVertex]:
    with FakeVertex(auth=google_auth, project="fake-project", location="us-central1") as fake:
        yield fake


def token(google_auth: FakeGoogleAuth) -> str:
    credentials = google_auth.credentials()
    credentials.refresh(Request())
    return str(credentials.token)


def plain(fake: FakeVertex, google_auth: FakeGoogleAuth, base_url: str | None = None) -> openai.OpenAI:
    """A plain openai client aimed straight at the fake, so only the fake's rules are exercised."""
    return openai.OpenAI(base_url=base_url or fake.base_url, api_key=token(google_auth), max_retries=0)


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


def test_gemini_2_0_has_a_smaller_output_limit(google_auth: FakeGoogleAuth) -> None:
    # Gemini 2.0 is retired from the documented list; a test that still needs it names it.
    with FakeVertex(auth=google_auth, project="fake-project", extra_models=["gemini-2.0-flash-001"]) as fake:
        body = {"model": "google/gemini-2.0-flash-001", "messages": MESSAGES, "max_tokens": 9000}
        with pytest.raises(openai.BadRequestError) as error:
            plain(fake, google_auth).chat.completions.create(**body)  # type: ignore[call-overload]
    rejected(error, "to 8193 (exclusive)")


def test_gemini_3_previews_are_served_on_global_only(
    regional: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    client = plain(regional, google_auth)
    with pytest.raises(openai.NotFoundError) as error:
        client.chat.completions.create(model="google/gemini-3.1-pro-preview", messages=MESSAGES)  # type: ignore[arg-type]
    rejected(error, "global location only")


def test_gemini_3_ga_models_are_served_on_global_only(
    regional: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    # The documents give no regional table for the 3.x GA ids: the fake is strict and says so.
    client = plain(regional, google_auth)
    with pytest.raises(openai.NotFoundError) as error:
        client.chat.completions.create(model="google/gemini-3.5-flash", messages=MESSAGES)  # type: ignore[arg-type]
    rejected(error, "the documents give no regional location for this model")
    reply = client.chat.completions.create(model="google/gemini-2.5-flash", messages=MESSAGES)  # type: ignore[arg-type]
    assert reply.choices  # 2.5 Pro/Flash are documented in regions too


@pytest.mark.parametrize("model", CHAT_MODELS)
def test_every_documented_model_is_served_on_global(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, model: str
) -> None:
    reply = create(vertex, google_auth, model=f"google/{model}")
    assert reply.model == f"google/{model}"


@pytest.mark.parametrize(
    ("model", "closest"),
    [
        ("google/gemini-3-pro-preview", "google/gemini-3.1-pro-preview"),  # retired preview
        ("google/gemini-2.0-flash-001", "google/gemini-2.5-flash"),  # retired 2.0
        ("google/gemini-2.5-flsh", "google/gemini-2.5-flash"),  # misspelled
        ("google/gemma-3-27b-it", "google/"),  # Gemma: self-deployed only (endpoints/{id})
        ("meta/gemini-2.5-flash", "google/gemini-2.5-flash"),  # another publisher
    ],
)
def test_unknown_models_are_404_naming_the_closest_ids(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, model: str, closest: str
) -> None:
    with pytest.raises(openai.NotFoundError) as error:
        create(vertex, google_auth, model=model)
    body = error.value.response.json()
    assert isinstance(body, list) and body[0]["error"]["status"] == "NOT_FOUND"
    name = (
        model.replace("/", "/models/")
        .replace("google/", "publishers/google/")
        .replace("meta/", "publishers/meta/")
    )
    rejected(error, f"Publisher Model `projects/fake-project/locations/global/{name}` not found.")
    rejected(error, "closest: " + closest)


def test_extra_models_admit_an_id_newer_than_the_list(google_auth: FakeGoogleAuth) -> None:
    with FakeVertex(auth=google_auth, extra_models=["gemini-9-flash"]) as fake:
        reply = create(fake, google_auth, model="google/gemini-9-flash")
        assert reply.choices[0].message.content == "Echo: hi"
        with pytest.raises(openai.NotFoundError):
            create(fake, google_auth, model="google/gemini-9-pro")


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
        model="google/gemini-3.1-pro-preview", messages=_images("low", "high")
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


def test_integer_enum_values_in_tool_parameters_are_refused(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    # Vertex's Schema.enum is `repeated string`: integer enums are written as strings there.
    params = {"type": "object", "properties": {"stars": {"type": "integer", "enum": [3, 4]}}}
    tools = [{"type": "function", "function": {"name": "rate", "parameters": params}}]
    with pytest.raises(openai.BadRequestError) as error:
        create(vertex, google_auth, tools=tools)
    rejected(error, "properties[0].value.enum[0]' (TYPE_STRING), 3")


# Tool schemas as users write them (JSON Schema); openai_vertex translates them for Vertex, and the
# arguments the fake answers with must validate against the user's schema.
TOOL_SCHEMAS: dict[str, dict[str, Any]] = {
    "nested": {
        "type": "object",
        "properties": {
            "address": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "zip": {"type": "string", "minLength": 5}},
                "required": ["city", "zip"],
            },
            "note": {"type": "string"},
        },
        "required": ["address"],
    },
    "enums": {
        "type": "object",
        "properties": {
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "stars": {"type": "integer", "enum": [3, 4, 5]},
        },
        "required": ["unit", "stars"],
    },
    "arrays": {
        "type": "object",
        "properties": {
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "points": {
                "type": "array",
                "items": {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]},
                "minItems": 1,
            },
        },
        "required": ["tags", "points"],
    },
    "optional_only": {
        "type": "object",
        "properties": {"a": {"type": "integer", "minimum": 2}, "b": {"type": "boolean"}},
    },
    "min_properties": {
        "type": "object",
        "properties": {"a": {"type": "integer", "minimum": 2}, "b": {"type": "boolean"}},
        "minProperties": 1,
    },
    "any_of": {
        "type": "object",
        "properties": {
            "id": {"anyOf": [{"type": "integer", "minimum": 10}, {"type": "string"}]},
            "maybe": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]},
        },
        "required": ["id", "maybe"],
    },
    "pattern": {
        "type": "object",
        "properties": {"code": {"type": "string", "pattern": "^[0-9]{3}$"}},
        "required": ["code"],
    },
}


@pytest.mark.parametrize("shape", list(TOOL_SCHEMAS))
@pytest.mark.parametrize("model", ["google/gemini-2.5-flash", "google/gemini-3-flash-preview"])
def test_tool_call_arguments_fit_the_tool_schema(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, shape: str, model: str
) -> None:
    schema = TOOL_SCHEMAS[shape]
    client = openai_vertex.OpenAI(
        base_url=vertex.base_url, token_provider=lambda: token(google_auth), max_retries=0
    )
    tools: Any = [{"type": "function", "function": {"name": "act", "parameters": schema}}]
    reply = client.chat.completions.create(model=model, messages=MESSAGES, tools=tools)  # type: ignore[arg-type]
    (call,) = reply.choices[0].message.tool_calls or []
    arguments = json.loads(call.function.arguments)  # type: ignore[union-attr]
    jsonschema.validate(arguments, schema)
    sent = vertex.requests[-1].body
    assert sent is not None
    jsonschema.validate(arguments, _as_json_schema(sent["tools"][0]["function"]["parameters"]))


def _as_json_schema(node: Any) -> Any:
    """Vertex's Schema read as JSON Schema: integer enums are strings there, numbers on the wire."""
    if isinstance(node, list):
        return [_as_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _as_json_schema(v) for k, v in node.items() if k not in ("nullable", "propertyOrdering")}
    if node.get("format") == "enum" and node.get("type") == "integer":
        out["enum"] = [int(v) for v in node["enum"]]
    if node.get("nullable") is True and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: _as_json_schema(v) for k, v in node["properties"].items()}
    return out


def test_a_pattern_the_fake_cannot_meet_is_refused_loudly(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    params = {
        "type": "object",
        "properties": {"v": {"type": "string", "pattern": "^x{2}y$"}},
        "required": ["v"],
    }
    tools = [{"type": "function", "function": {"name": "act", "parameters": params}}]
    with pytest.raises(openai.BadRequestError) as error:
        create(vertex, google_auth, tools=tools)
    rejected(error, "cannot build a string matching the pattern")


# -- self-deployed models: ``endpoints/{ENDPOINT_ID}`` ----------------------------------------------

ENDPOINT_ID = "1234567890"


@pytest.fixture
def deployed(google_auth: FakeGoogleAuth) -> Iterator[FakeVertex]:
    with FakeVertex(auth=google_auth, endpoints={ENDPOINT_ID: "gemma-2-9b-it"}) as fake:
        yield fake


def test_self_deployed_endpoint_serves_its_model(deployed: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    base_url = deployed.endpoint_base_url(ENDPOINT_ID)
    assert base_url.endswith(f"/v1/projects/fake-project/locations/global/endpoints/{ENDPOINT_ID}")
    client = plain(deployed, google_auth, base_url)
    reply = client.chat.completions.create(model="gemma-2-9b-it", messages=MESSAGES)  # type: ignore[arg-type]
    assert (reply.model, reply.choices[0].message.content) == ("gemma-2-9b-it", "Echo: hi")
    chunks = list(client.chat.completions.create(model="gemma-2-9b-it", messages=MESSAGES, stream=True))  # type: ignore[arg-type]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Echo: hi"
    # Google's REST sample for self-deployed models sends no `model` at all.
    headers = {"Authorization": f"Bearer {token(google_auth)}"}
    resp = requests.post(
        f"{base_url}/chat/completions", json={"messages": MESSAGES}, headers=headers, timeout=5
    )
    assert resp.status_code == 200 and resp.json()["model"] == "gemma-2-9b-it"


def test_self_deployed_endpoint_refuses_another_model(
    deployed: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    client = plain(deployed, google_auth, deployed.endpoint_base_url(ENDPOINT_ID))
    with pytest.raises(openai.BadRequestError) as error:
        client.chat.completions.create(model="google/gemini-2.5-flash", messages=MESSAGES)  # type: ignore[arg-type]
    rejected(error, "Gemini models are served on `endpoints/openapi`")
    with pytest.raises(openai.BadRequestError) as error:
        client.chat.completions.create(model="llama-3", messages=MESSAGES)  # type: ignore[arg-type]
    rejected(error, "is not the model deployed on")


def test_self_deployed_endpoint_skips_the_gemini_rules(
    deployed: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    # "Parameter support for third-party models varies by model": the developer role and a
    # temperature above Gemini's range reach the container; a body without messages still does not.
    client = plain(deployed, google_auth, deployed.endpoint_base_url(ENDPOINT_ID))
    messages: Any = [{"role": "developer", "content": "Be brief."}, *MESSAGES]
    reply = client.chat.completions.create(model="gemma-2-9b-it", messages=messages, temperature=3.0)
    assert reply.choices[0].message.content == "Echo: hi"
    with pytest.raises(openai.BadRequestError) as error:
        client.chat.completions.create(model="gemma-2-9b-it", messages=[])
    rejected(error, "'messages' must be a non-empty list")


def test_unknown_endpoint_is_404(deployed: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = plain(deployed, google_auth, deployed.endpoint_base_url("999"))
    with pytest.raises(openai.NotFoundError) as error:
        client.chat.completions.create(model="gemma-2-9b-it", messages=MESSAGES)  # type: ignore[arg-type]
    rejected(error, "Endpoint `projects/fake-project/locations/global/endpoints/999` not found.")
    # The Gemini route still works next to the deployed one.
    assert create(deployed, google_auth).choices
