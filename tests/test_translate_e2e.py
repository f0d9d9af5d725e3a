"""Request translation end to end: the SDK's own call paths against FakeVertex, which rejects what
Vertex rejects, so each success here is a request that would fail without translation."""

from __future__ import annotations

import base64
import datetime
import enum
import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any, Literal, Optional

import openai
import pydantic
import pytest

from openai_vertex import AsyncOpenAI, OpenAI, VertexCompatibilityWarning
from openai_vertex.exceptions import TranslationError
from openai_vertex.testing import FakeGoogleAuth, FakeVertex

from .conftest import USER_HELLO
from .test_auth import sa_credentials

MODEL = "gemini-2.5-flash"
HELLO: Any = USER_HELLO  # the SDK types want TypedDicts


@pytest.fixture
def client(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> OpenAI:
    return OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth), max_retries=0)


def sent(vertex: FakeVertex) -> dict[str, Any]:
    body = vertex.requests[-1].body
    assert body is not None and vertex.requests[-1].status == 200
    return body


class Color(str, enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(pydantic.BaseModel):
    street: str
    zip_code: Optional[str] = None  # noqa: UP045 - the Optional spelling is what users write


class Person(pydantic.BaseModel):
    name: str
    age: int
    color: Color
    kind: Literal["friend", "foe"]
    tags: list[str]
    born: datetime.datetime
    home: Address
    work: Optional[Address] = None  # noqa: UP045
    score: float | None = None


class Lookup(pydantic.BaseModel):
    query: str
    where: Optional[Address] = None  # noqa: UP045


def test_developer_role(client: OpenAI, vertex: FakeVertex) -> None:
    messages: Any = [{"role": "developer", "content": "Be brief."}, *HELLO]
    reply = client.chat.completions.create(model=MODEL, messages=messages)
    assert reply.choices[0].message.content == "Echo: hello"
    assert sent(vertex)["messages"][0] == {"role": "system", "content": "Be brief."}
    assert vertex.requests[-1].ignored_keys == ()


def test_object_tool_choice_with_pydantic_style_schemas(client: OpenAI, vertex: FakeVertex) -> None:
    tool = openai.pydantic_function_tool(Lookup)  # strict: $defs, anyOf null, additionalProperties false
    raw: Any = {
        "type": "function",
        "function": {
            "name": "other",
            "parameters": {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                **Person.model_json_schema(),
            },
        },
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VertexCompatibilityWarning)  # what the schema lost (test_schema.py)
        reply = client.chat.completions.create(
            model=MODEL,
            messages=HELLO,
            tools=[raw, tool],
            tool_choice={"type": "function", "function": {"name": "Lookup"}},
        )
    calls: Any = reply.choices[0].message.tool_calls or []
    assert [c.function.name for c in calls] == ["Lookup"]
    body = sent(vertex)
    assert body["tool_choice"] == "required"
    assert [t["function"]["name"] for t in body["tools"]] == ["Lookup"]


def test_parse_with_a_pydantic_model(client: OpenAI, vertex: FakeVertex) -> None:
    completions: Any = client.chat.completions
    if not hasattr(completions, "parse"):  # openai < 1.92 has it only under beta
        completions = client.beta.chat.completions
    reply = completions.parse(model=MODEL, messages=HELLO, response_format=Person)
    person = reply.choices[0].message.parsed
    assert isinstance(person, Person) and isinstance(person.home, Address)
    assert person.color is Color.RED and person.born.year == 1970
    spec = sent(vertex)["response_format"]["json_schema"]
    assert spec["name"] == "Person" and "strict" not in spec


def test_beta_parse_and_parsed_tool_arguments(client: OpenAI, vertex: FakeVertex) -> None:
    beta: Any = getattr(client.beta, "chat", None)
    completions = beta.completions if beta is not None else client.chat.completions
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", VertexCompatibilityWarning)
        reply = completions.parse(model=MODEL, messages=HELLO, tools=[openai.pydantic_function_tool(Lookup)])
    calls: Any = reply.choices[0].message.tool_calls
    (call,) = calls
    assert isinstance(call.function.parsed_arguments, Lookup)


def test_deprecated_functions_and_function_call(client: OpenAI, vertex: FakeVertex) -> None:
    functions: Any = [
        {
            "name": "a",
            "parameters": {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]},
        },
        {"name": "b"},
    ]
    reply = client.chat.completions.create(
        model=MODEL, messages=HELLO, functions=functions, function_call={"name": "a"}
    )
    assert reply.choices[0].message.tool_calls  # Vertex answers with tool calls
    body = sent(vertex)
    assert "functions" not in body and "function_call" not in body
    assert body["tool_choice"] == "required" and [t["function"]["name"] for t in body["tools"]] == ["a"]


def test_max_completion_tokens_and_file_part(client: OpenAI, vertex: FakeVertex) -> None:
    pdf = base64.b64encode(b"%PDF-1.7 ...").decode()
    content: Any = [
        {"type": "text", "text": "Summarise"},
        {"type": "file", "file": {"file_data": pdf, "filename": "report.pdf"}},
    ]
    client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": content}], max_completion_tokens=64
    )
    body = sent(vertex)
    assert body["max_tokens"] == 64 and "max_completion_tokens" not in body
    assert body["messages"][0]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": f"data:application/pdf;base64,{pdf}"},
    }


def test_unsupported_params_error_sends_nothing(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = OpenAI(
        base_url=vertex.base_url, credentials=sa_credentials(google_auth), unsupported_params="error"
    )
    with pytest.raises(TranslationError, match=r"'logit_bias'.*unsupported_params='drop'"):
        client.chat.completions.create(model=MODEL, messages=HELLO, logit_bias={"1": 5})
    assert len(vertex.requests) == 0


def test_unsupported_params_warn_once_per_name_per_client(client: OpenAI, vertex: FakeVertex) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for user in ("u1", "u2"):
            client.chat.completions.create(model=MODEL, messages=HELLO, user=user, logit_bias={user: 1})
    found = [str(w.message) for w in caught if issubclass(w.category, VertexCompatibilityWarning)]
    assert len(found) == 2
    assert any("'user'" in text for text in found) and any("'logit_bias'" in text for text in found)
    assert all("user" not in r.body and "logit_bias" not in r.body for r in vertex.requests if r.body)


def test_extra_body_forms_reach_vertex_nested(client: OpenAI, vertex: FakeVertex) -> None:
    client.chat.completions.create(
        model=MODEL,
        messages=HELLO,
        extra_body={
            "google": {"thought_tag_marker": "think"},
            "extra_body": {"google": {"cached_content": "c"}},
        },
    )
    body = sent(vertex)
    assert "google" not in body
    assert body["extra_body"]["google"] == {"thought_tag_marker": "think", "cached_content": "c"}


def test_reasoning_effort_with_thinking_config_fails_before_sending(
    client: OpenAI, vertex: FakeVertex
) -> None:
    with pytest.raises(TranslationError, match="drop reasoning_effort"):
        client.chat.completions.create(
            model=MODEL,
            messages=HELLO,
            reasoning_effort="low",
            extra_body={"google": {"thinking_config": {"thinking_budget": 0}}},
        )
    assert vertex.requests == []


def test_retried_request_keeps_the_translated_extra_body(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth), max_retries=1)
    vertex.fail_next(503, headers={"retry-after-ms": "10"})
    client.chat.completions.create(
        model=MODEL, messages=HELLO, extra_body={"google": {"cached_content": "c"}}
    )
    bodies = [r.body for r in vertex.requests]
    assert len(bodies) == 2 and bodies[0] == bodies[1]
    assert bodies[1] is not None and bodies[1]["extra_body"] == {"google": {"cached_content": "c"}}


def test_stream_options_dropped_usage_still_reported(client: OpenAI, vertex: FakeVertex) -> None:
    chunks = list(
        client.chat.completions.create(
            model=MODEL, messages=HELLO, stream=True, stream_options={"include_usage": True}
        )
    )
    assert chunks[-1].usage is not None
    assert "stream_options" not in sent(vertex)


async def test_async_client_translates(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = AsyncOpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth))
    messages: Any = [{"role": "developer", "content": "Be brief."}, *HELLO]
    await client.chat.completions.create(
        model=MODEL,
        messages=messages,
        max_completion_tokens=5,
        extra_body={"google": {"cached_content": "c"}},
    )
    body = sent(vertex)
    assert body["messages"][0]["role"] == "system" and body["max_tokens"] == 5
    assert body["extra_body"] == {"google": {"cached_content": "c"}}


# ---- the `openai-vertex translate` command ----------------------------------------------------------


def translate_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openai_vertex.cli", "translate", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_prints_the_vertex_body_and_warnings(tmp_path: Path) -> None:
    request = {
        "model": "gpt-4o",
        "messages": [{"role": "developer", "content": "Be brief."}, *HELLO],
        "user": "u-1",
        "extra_body": {"google": {"thought_tag_marker": "think"}},
    }
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    done = translate_cli(str(path), "--model-alias", "gpt-4o=gemini-2.5-pro")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "model": "google/gemini-2.5-pro",
        "messages": [{"role": "system", "content": "Be brief."}, *HELLO],
        "extra_body": {"google": {"thought_tag_marker": "think"}},
    }
    assert done.stderr.count("warning:") == 1 and "'user' is not supported" in done.stderr


def test_cli_reads_stdin_and_fails_with_the_translation_error() -> None:
    request = {"model": MODEL, "messages": USER_HELLO, "logit_bias": {"1": 1}}
    done = translate_cli("-", "--unsupported-params", "error", stdin=json.dumps(request))
    assert done.returncode == 2 and done.stdout == ""  # a request Vertex cannot take is bad input
    assert "'logit_bias'" in done.stderr and "--unsupported-params drop" in done.stderr
