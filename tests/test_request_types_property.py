"""Random request structures through the public client (issue 11, item 3).

Hypothesis puts arbitrary JSON values where a chat request has fields, top level and inside messages
and content parts, and sends the request with the real client to the fake Vertex. The only outcomes
accepted are the documented ones: a reply, a ``TranslationError`` raised before anything was sent,
or Vertex's own 400 (the fake is strict where the docs are silent). A bare ``TypeError`` from inside
the translation, a 500 or a hang fails the test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_vertex import OpenAI
from openai_vertex.cli import main
from openai_vertex.exceptions import TranslationError
from openai_vertex.testing import FakeVertex

pytestmark = pytest.mark.timeout(120)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False, width=32)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["type", "text", "url", "a"]), inner, max_size=3)
    ),
    max_leaves=6,
)
TOP_KEYS = [
    "reasoning_effort", "temperature", "top_p", "max_completion_tokens", "max_tokens", "n", "seed", "stop",
    "stream_options", "tools", "tool_choice", "response_format", "web_search_options", "logprobs",
    "presence_penalty", "user", "metadata", "parallel_tool_calls",
]  # fmt: skip
MESSAGE_KEYS = ["role", "content", "name", "tool_calls", "tool_call_id"]
PART_KEYS = ["type", "text", "image_url"]


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    part: dict[str, Any] = {"type": "text", "text": "hello"}
    message: dict[str, Any] = {"role": "user", "content": [part]}
    body: dict[str, Any] = {"model": "gemini-2.5-flash", "messages": [message]}
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["top", "message", "part"]))
        target, keys = {
            "top": (body, TOP_KEYS),
            "message": (message, MESSAGE_KEYS),
            "part": (part, PART_KEYS),
        }[where]
        target[draw(st.sampled_from(keys))] = draw(json_values)
    return body


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=requests())
def test_random_values_give_a_reply_or_a_documented_error(adc: FakeVertex, body: dict[str, Any]) -> None:
    client = OpenAI(max_retries=0, timeout=10.0)
    sent_before = len(adc.requests)
    try:
        client.chat.completions.create(**body)
    except TranslationError as exc:
        assert len(adc.requests) == sent_before, "a TranslationError must come before any request"
        assert "\n" not in str(exc).strip() or "Traceback" not in str(exc)
    except openai.APIStatusError as exc:
        assert exc.status_code == 400, exc  # Vertex's (the fake's) own refusal, never a 500
    except openai.APIConnectionError as exc:  # pragma: no cover - would be a hang or a crash of the fake
        raise AssertionError(f"the fake Vertex did not answer: {exc!r}") from exc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=requests())
def test_translate_cli_prints_a_translation_or_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: dict[str, Any]
) -> None:
    request = tmp_path / "request.json"
    request.write_text(json.dumps(body))
    status = main(["translate", str(request)])  # an exception escaping here (a traceback) fails the test
    out, err = capsys.readouterr()
    if status == 0:
        assert isinstance(json.loads(out), dict)
    else:
        assert status == 2 and out == ""  # bad input (the CLI exit-status rule)
        errors = [line for line in err.splitlines() if not line.startswith("warning: ")]
        assert len(errors) == 1 and errors[0].startswith("openai-vertex translate: error: "), err


HELLO: Any = [{"role": "user", "content": "hello"}]
WRONG = [
    ({"reasoning_effort": {}}, "reasoning_effort must be a string"),
    ({"messages": [{"role": 5, "content": "hi"}]}, "messages[0].role must be a string"),
    (
        {"messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]},
        "messages[0].content[0].text must be",
    ),
    (
        {"messages": [{"role": "user", "content": [7]}]},
        "messages[0].content[0] must be a content part object",
    ),
    ({"stream_options": 1}, "stream_options must be an object"),
    (
        {"extra_body": {"google": {"thinking_config": 5}}},
        "extra_body.google.thinking_config must be an object",
    ),
    (
        {"extra_body": {"google": {"thinking_config": {"thinking_budget": "1024"}}}},
        "extra_body.google.thinking_config.thinking_budget must be an integer, got a string",
    ),
    ({"extra_body": {"google": {"thought_tag_marker": 1}}}, "extra_body.google.thought_tag_marker must be"),
    ({"max_completion_tokens": "10"}, "max_completion_tokens must be an integer, got a string"),
    ({"temperature": True}, "temperature must be a number, got a boolean"),
    ({"stop": {"a": 1}}, "stop must be a string or a list of strings, got an object"),
    (
        {
            "tools": [
                {
                    "type": "function",
                    "function": {"name": "f", "parameters": {"type": "object", "required": 5}},
                }
            ]
        },
        "'required' must be a list",
    ),
    (
        {
            "messages": [
                {"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": 3}]},
                *HELLO,
            ]
        },
        "messages[0].tool_calls[0].function must be an object",
    ),
]


@pytest.mark.parametrize(("fields", "message"), WRONG)
def test_a_wrongly_typed_value_names_its_path_before_any_request(
    adc: FakeVertex, fields: dict[str, Any], message: str
) -> None:
    client = OpenAI(max_retries=0)
    with pytest.raises(TranslationError) as caught:
        client.chat.completions.create(**{"model": "gemini-2.5-flash", "messages": HELLO, **fields})
    assert message in str(caught.value)
    assert adc.requests == []
