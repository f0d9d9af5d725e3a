"""Request translation rules, one table row per rule: ``translate_chat_body`` as a pure function.

Every translation goes through `run`, which also proves the input (body and extra_body) is untouched.
"""

from __future__ import annotations

import base64
import copy
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from openai_vertex._settings import resolve_settings
from openai_vertex._translate.chat import Translation, translate_chat_body
from openai_vertex._translate.schema import convert_schema
from openai_vertex._translate.signatures import encode_call_id
from openai_vertex.exceptions import TranslationError

PDF_B64 = base64.b64encode(b"%PDF-1.7 secret-bytes").decode()
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {"a": {"type": "string"}},
    "required": ["a"],
    "additionalProperties": False,
}
TOOL_SCHEMA = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
RESPONSE_SCHEMA = {**TOOL_SCHEMA, "propertyOrdering": ["a"], "additionalProperties": False}


def fn(name: str, **extra: Any) -> dict[str, Any]:
    parameters = {"$schema": SCHEMA["$schema"], **TOOL_SCHEMA}  # $schema goes without a note
    return {"type": "function", "function": {"name": name, "parameters": parameters, **extra}}


def out_fn(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": TOOL_SCHEMA}}


TOOLS = [fn("a"), fn("b"), fn("c")]


def user(content: Any) -> dict[str, Any]:
    return {"role": "user", "content": content}


def request(*messages: dict[str, Any], model: str = "gemini-2.5-flash", **params: Any) -> dict[str, Any]:
    return {"model": model, "messages": list(messages) or [user("hi")], **params}


def run(body: dict[str, Any], extra: dict[str, Any] | None = None, **settings: Any) -> Translation:
    before, extra_before = copy.deepcopy(body), copy.deepcopy(extra)
    result = translate_chat_body(
        body, resolve_settings(vertex_project="my-project", environ={}, **settings), extra
    )
    assert body == before and extra == extra_before, "the input was mutated"
    return result


def image(url: str, detail: str | None = None) -> dict[str, Any]:
    spec = {"url": url} if detail is None else {"url": url, "detail": detail}
    return {"type": "image_url", "image_url": spec}


def call(arguments: Any, name: str = "a", call_id: str = "call_1") -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def assistant(content: Any, *calls: dict[str, Any]) -> dict[str, Any]:
    return {"role": "assistant", "content": content, "tool_calls": list(calls)}


@dataclass
class Case:
    id: str
    body: dict[str, Any]
    expect: dict[str, Any]  # top-level keys of the translated body, compared exactly
    absent: tuple[str, ...] = ()  # keys that must not be in the translated body
    notes: tuple[str, ...] = ()  # one substring per expected note, in order
    extra: dict[str, Any] | None = None
    settings: dict[str, Any] = field(default_factory=dict)


CASES = [
    # -- model ----------------------------------------------------------------------------------------
    Case("plain", request(), {"model": "google/gemini-2.5-flash", "messages": [user("hi")]}),
    Case(
        "alias",
        request(model="gpt-4o"),
        {"model": "google/gemini-2.5-pro"},
        settings={"model_aliases": {"gpt-4o": "gemini-2.5-pro"}},
    ),
    # -- response_format ------------------------------------------------------------------------------
    Case("text", request(response_format={"type": "text"}), {"response_format": {"type": "text"}}),
    Case(
        "json_object",
        request(response_format={"type": "json_object"}),
        {"response_format": {"type": "json_object"}},
    ),
    Case(
        "json_schema strict dropped, name kept, schema converted",
        request(
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "R", "strict": True, "schema": SCHEMA},
            }
        ),
        {"response_format": {"type": "json_schema", "json_schema": {"name": "R", "schema": RESPONSE_SCHEMA}}},
    ),
    Case(
        "MIME type passes",
        request(response_format={"type": "application/json"}),
        {"response_format": {"type": "application/json"}},
    ),
    # -- tools, tool_choice ---------------------------------------------------------------------------
    Case(
        "tool parameters converted, strict dropped",
        request(tools=[fn("a", strict=True)]),
        {"tools": [out_fn("a")]},
    ),
    *(
        Case(
            f"tool_choice {mode}",
            request(tools=[fn("a")], tool_choice=mode),
            {"tool_choice": mode},
        )
        for mode in ("none", "auto", "required", "validated")
    ),
    Case(
        "named function -> required, tools narrowed",
        request(tools=TOOLS, tool_choice={"type": "function", "function": {"name": "b"}}),
        {"tool_choice": "required", "tools": [out_fn("b")]},
    ),
    Case(
        "allowed_tools -> its mode, tools narrowed (in tools order)",
        request(
            tools=TOOLS,
            tool_choice={
                "type": "allowed_tools",
                "allowed_tools": {
                    "mode": "auto",
                    "tools": [{"type": "function", "function": {"name": n}} for n in ("c", "a")],
                },
            },
        ),
        {"tool_choice": "auto", "tools": [out_fn("a"), out_fn("c")]},
    ),
    Case(
        "parallel_tool_calls false with several tools: warned",
        request(tools=TOOLS[:2], parallel_tool_calls=False),
        {"tools": [out_fn("a"), out_fn("b")]},
        absent=("parallel_tool_calls",),
        notes=("'parallel_tool_calls' (false) is not supported",),
    ),
    Case(
        "parallel_tool_calls false with one tool: silent",
        request(tools=[fn("a")], parallel_tool_calls=False),
        {},
        absent=("parallel_tool_calls",),
    ),
    Case(
        "parallel_tool_calls true: silent",
        request(tools=TOOLS[:2], parallel_tool_calls=True),
        {},
        absent=("parallel_tool_calls",),
    ),
    Case(
        "deprecated functions + function_call name",
        request(
            functions=[{"name": "a", "parameters": TOOL_SCHEMA}, {"name": "b"}], function_call={"name": "a"}
        ),
        {"tools": [out_fn("a")], "tool_choice": "required"},
        absent=("functions", "function_call"),
    ),
    Case(
        "deprecated function_call auto",
        request(functions=[{"name": "a"}], function_call="auto"),
        {"tools": [{"type": "function", "function": {"name": "a"}}], "tool_choice": "auto"},
    ),
    # -- messages -------------------------------------------------------------------------------------
    Case(
        "developer -> system",
        request({"role": "developer", "content": "rules"}, user("hi")),
        {"messages": [{"role": "system", "content": "rules"}, user("hi")]},
    ),
    Case(
        "image_url string and object forms kept",
        request(user([{"type": "image_url", "image_url": "gs://b/a.png"}, image("gs://b/c.png")])),
        {"messages": [user([{"type": "image_url", "image_url": "gs://b/a.png"}, image("gs://b/c.png")])]},
    ),
    Case(
        "mixed detail before Gemini 3: the first value everywhere",
        request(
            user([image("gs://b/1.png", "low"), image("gs://b/2.png")]), user([image("gs://b/3.png", "high")])
        ),
        {
            "messages": [
                user([image("gs://b/1.png", "low"), image("gs://b/2.png")]),
                user([image("gs://b/3.png", "low")]),
            ]
        },
        notes=("image_url 'detail' differed",),
    ),
    Case(
        "mixed detail on Gemini 3: part-level, kept",
        request(
            user([image("gs://b/1.png", "low"), image("gs://b/2.png", "high")]), model="gemini-3-pro-preview"
        ),
        {"messages": [user([image("gs://b/1.png", "low"), image("gs://b/2.png", "high")])]},
    ),
    Case(
        "file part: data URL",
        request(
            user(
                [{"type": "file", "file": {"file_data": "data:application/pdf;base64,AAAA", "filename": "x"}}]
            )
        ),
        {"messages": [user([image("data:application/pdf;base64,AAAA")])]},
    ),
    Case(
        "file part: base64 + filename extension",
        request(user([{"type": "file", "file": {"file_data": "AAAA", "filename": "Notes.TXT"}}])),
        {"messages": [user([image("data:text/plain;base64,AAAA")])]},
    ),
    Case(
        "file part: nameless PDF recognised",
        request(user([{"type": "file", "file": {"file_data": PDF_B64}}])),
        {"messages": [user([image(f"data:application/pdf;base64,{PDF_B64}")])]},
    ),
    Case(
        "input_audio format -> MIME type",
        request(
            user(
                [
                    {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
                    {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "mp3"}},
                    {"type": "input_audio", "input_audio": {"data": "gs://b/a.ogg", "format": "audio/ogg"}},
                ]
            )
        ),
        {
            "messages": [
                user(
                    [
                        {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "audio/wav"}},
                        {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "audio/mp3"}},
                        {
                            "type": "input_audio",
                            "input_audio": {"data": "gs://b/a.ogg", "format": "audio/ogg"},
                        },
                    ]
                )
            ]
        },
    ),
    Case(
        "assistant '' and [] with tool calls -> None; empty arguments -> {}",
        request(user("hi"), assistant("", call('{"a": "x"}')), assistant([], call(""))),
        {"messages": [user("hi"), assistant(None, call('{"a": "x"}')), assistant(None, call("{}"))]},
    ),
    Case(
        "thought signature restored from the tool-call id",
        request(user("hi"), assistant(None, call("{}", call_id=encode_call_id("call_1", "c2ln")))),
        {
            "messages": [
                user("hi"),
                assistant(None, {**call("{}"), "extra_content": {"google": {"thought_signature": "c2ln"}}}),
            ]
        },
    ),
    Case(
        "prompt_cache_breakpoint on a part: unsupported",
        request(user([{"type": "text", "text": "hi", "prompt_cache_breakpoint": {"mode": "explicit"}}])),
        {"messages": [user([{"type": "text", "text": "hi"}])]},
        notes=("'prompt_cache_breakpoint' is not supported by Vertex",),
    ),
    # -- parameters -----------------------------------------------------------------------------------
    Case(
        "max_completion_tokens -> max_tokens",
        request(max_completion_tokens=50),
        {"max_tokens": 50},
        absent=("max_completion_tokens",),
    ),
    Case(
        "max_completion_tokens wins over max_tokens",
        request(max_tokens=10, max_completion_tokens=50),
        {"max_tokens": 50},
        absent=("max_completion_tokens",),
        notes=("'max_tokens' and 'max_completion_tokens' were both given",),
    ),
    Case("reasoning_effort low kept", request(reasoning_effort="low"), {"reasoning_effort": "low"}),
    Case(
        "reasoning_effort minimal -> low",
        request(reasoning_effort="minimal"),
        {"reasoning_effort": "low"},
        notes=("'reasoning_effort': Vertex documents only",),
    ),
    Case("reasoning_effort None dropped", request(reasoning_effort=None), {}, absent=("reasoning_effort",)),
    Case("n > 1 before Gemini 3", request(n=2), {"n": 2}),
    Case("n > 1 on Gemini 3", request(n=2, model="gemini-3-flash-preview"), {"n": 2}, notes=("'n' > 1",)),
    Case(
        "stream_options dropped silently (usage always comes last)",
        request(stream=True, stream_options={"include_usage": True}),
        {"stream": True},
        absent=("stream_options",),
    ),
    Case("web_search_options kept", request(web_search_options={}), {"web_search_options": {}}),
    Case(
        "web_search_options sub-options dropped",
        request(web_search_options={"search_context_size": "low"}),
        {"web_search_options": {}},
        notes=("'web_search_options': Vertex's Google Search takes no sub-options",),
    ),
    Case(
        "unsupported: warn",
        request(logit_bias={"1": 2}, user="u1", store=True),
        {},
        absent=("logit_bias", "user", "store"),
        notes=(
            "'logit_bias' is not supported by Vertex and was dropped; unsupported_params='drop'",
            "'user' is not supported",
            "'store' is not supported",
        ),
    ),
    Case(
        "unsupported: drop",
        request(logit_bias={"1": 2}, metadata={"k": "v"}),
        {},
        absent=("logit_bias", "metadata"),
        settings={"unsupported_params": "drop"},
    ),
    Case(
        "unsupported values asking for nothing are silent, even with error",
        request(logprobs=False, store=False, service_tier="auto", user="", metadata={}, top_logprobs=None),
        {},
        absent=("logprobs", "store", "service_tier", "user", "metadata", "top_logprobs"),
        settings={"unsupported_params": "error"},
    ),
    # -- extra_body -----------------------------------------------------------------------------------
    Case(
        "extra_body natural form -> wire form (thought summaries asked for are tagged)",
        request(),
        {
            "extra_body": {
                "google": {"thinking_config": {"include_thoughts": True}, "thought_tag_marker": "thought"}
            }
        },
        absent=("google",),
        extra={"google": {"thinking_config": {"include_thoughts": True}}},
    ),
    Case(
        "extra_body documented double nesting",
        request(),
        {"extra_body": {"google": {"cached_content": "c"}}},
        extra={"extra_body": {"google": {"cached_content": "c"}}},
    ),
    Case(
        "both forms merged; other keys top-level and exempt from the policy",
        request(),
        {
            "extra_body": {"google": {"cached_content": "c", "thought_tag_marker": "t"}},
            "user": "u",
            "top_k": 3,
        },
        extra={
            "google": {"thought_tag_marker": "t"},
            "extra_body": {"google": {"cached_content": "c"}},
            "user": "u",
            "top_k": 3,
        },
        settings={"unsupported_params": "error"},
    ),
    Case(
        "extra_body keys are translated like body keys",
        request(),
        {"max_tokens": 5},
        absent=("max_completion_tokens",),
        extra={"max_completion_tokens": 5},
    ),
    Case(
        "a raw body's top-level google moves under extra_body",
        request(google={"safety_settings": []}, extra_body={"google": {"cached_content": "c"}}),
        {"extra_body": {"google": {"cached_content": "c", "safety_settings": []}}},
        absent=("google",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule(case: Case) -> None:
    result = run(case.body, case.extra, **case.settings)
    for key, value in case.expect.items():
        assert result.body[key] == value, key
    for key in case.absent:
        assert key not in result.body
    expected = list(case.notes)
    assert len(result.notes) == len(expected), result.notes
    for note, text in zip(result.notes, expected, strict=True):
        assert text in note


ERRORS = [
    (
        "unknown response_format type",
        request(response_format={"type": "grammar"}),
        "use 'text', 'json_object'",
    ),
    (
        "non-function tool",
        request(tools=[{"type": "custom", "custom": {"name": "x"}}]),
        "tools[0] has type 'custom'",
    ),
    (
        "unknown named function",
        request(tools=TOOLS, tool_choice={"type": "function", "function": {"name": "zz"}}),
        "tool_choice names 'zz', which tools does not define; the known functions are: 'a', 'b', 'c'",
    ),
    (
        "unknown allowed tool",
        request(
            tools=TOOLS,
            tool_choice={
                "type": "allowed_tools",
                "allowed_tools": {
                    "mode": "required",
                    "tools": [{"type": "function", "function": {"name": "q"}}],
                },
            },
        ),
        "the known functions are: 'a', 'b', 'c'",
    ),
    (
        "named function without tools",
        request(tool_choice={"type": "function", "function": {"name": "a"}}),
        "the request has no tools",
    ),
    (
        "bad tool_choice string",
        request(tools=TOOLS, tool_choice="any"),
        "use 'none', 'auto', 'required', 'validated'",
    ),
    (
        "tools and functions",
        request(tools=TOOLS, functions=[{"name": "a"}]),
        "both tools and the deprecated functions",
    ),
    (
        "invalid tool-call arguments",
        request(user("hi"), {"role": "assistant", "content": None, "tool_calls": [call('{"a": ')]}),
        "messages[1].tool_calls[0].function.arguments (function 'a') is not valid JSON",
    ),
    (
        "non-object tool-call arguments",
        request(user("hi"), assistant(None, call("[1]"))),
        "messages[1].tool_calls[0].function.arguments (function 'a') must be a JSON object",
    ),
    (
        "file_id",
        request(user([{"type": "file", "file": {"file_id": "file-abc"}}])),
        "messages[0].content[0]: file_id 'file-abc' refers to OpenAI's Files API",
    ),
    (
        "file of unknown type",
        request(user([{"type": "file", "file": {"file_data": "AAAA", "filename": "a.bin"}}])),
        "cannot tell the file type of 'a.bin'",
    ),
    ("model", request(model="gpt-4o"), "model_aliases"),
]


@pytest.mark.parametrize(("body", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_error(body: dict[str, Any], message: str) -> None:
    with pytest.raises(TranslationError, match=re.escape(message)):
        run(body)


@pytest.mark.parametrize(
    "extra",
    [
        {"google": {"thinking_config": {"thinking_budget": 0}}},
        {"extra_body": {"google": {"thinking_config": {"thinking_budget": 0}}}},
    ],
)
def test_reasoning_effort_and_thinking_config_is_an_error(extra: dict[str, Any]) -> None:
    with pytest.raises(TranslationError, match=r"drop reasoning_effort .* or drop thinking_config"):
        run(request(reasoning_effort="low"), extra)


def test_unsupported_error_lists_every_parameter_and_the_fix() -> None:
    body = request(logit_bias={"1": 2}, user="u", tools=TOOLS[:2], parallel_tool_calls=False)
    with pytest.raises(TranslationError) as info:
        run(body, unsupported_params="error")
    message = str(info.value)
    for text in ("'logit_bias'", "'user'", "'parallel_tool_calls'", "unsupported_params='drop'"):
        assert text in message
    assert "OPENAI_VERTEX_UNSUPPORTED_PARAMS" in message


def test_schema_notes_are_passed_on() -> None:
    parameters = {**SCHEMA, "properties": {"a": {"type": "string", "format": "uri"}}}
    schema_notes = convert_schema(parameters, response=False, where="tools[0].function.parameters").notes
    result = run(request(tools=[{"type": "function", "function": {"name": "a", "parameters": parameters}}]))
    assert result.notes == schema_notes


def test_note_text_depends_on_the_parameter_name_only() -> None:
    first = run(request(user="a", logit_bias={"1": 1}, reasoning_effort="minimal", n=3, model="gemini-3-pro"))
    second = run(request(user="b", logit_bias={"9": -5}, reasoning_effort="xhigh", n=5, model="gemini-3-pro"))
    assert first.notes == second.notes
    assert len(first.notes) == 4


def test_errors_and_notes_never_carry_file_bytes() -> None:
    secret = base64.b64encode(b"top secret content").decode()
    with pytest.raises(TranslationError) as info:
        run(request(user([{"type": "file", "file": {"file_data": secret, "filename": "x.zzz"}}])))
    assert secret not in str(info.value)
    result = run(
        request(
            user(
                [
                    image(f"data:image/png;base64,{secret}", "low"),
                    image(f"data:image/png;base64,{secret}", "high"),
                ]
            )
        )
    )
    assert result.notes and not any(secret in note for note in result.notes)


def test_unchanged_parts_of_the_body_are_shared_not_copied() -> None:
    messages = [user("hi"), user([{"type": "text", "text": "x"}])]
    body = request(*messages, temperature=0.2)
    result = run(body)
    assert result.body is not body
    assert result.body["messages"] is body["messages"]
    assert result.notes == ()


def test_reasoning_content_sent_back_on_an_assistant_message_is_dropped() -> None:
    answer = {"role": "assistant", "content": "because", "reasoning_content": "thinking..."}
    sent = run(request(user("why?"), answer, user("and?"))).body
    assert sent["messages"][1] == {"role": "assistant", "content": "because"}
