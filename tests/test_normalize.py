"""Response normalization as pure functions: recorded chunk sequences in Vertex's shapes, thought
tags cut at every position, message-less choices, thought-signature ids."""

from __future__ import annotations

import copy
import importlib
import json
import random
from typing import Any

import openai
import pytest
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.types.chat import ChatCompletionChunk

from openai_vertex._normalize import normalize_completion, normalize_response
from openai_vertex._stream import StreamState
from openai_vertex._translate.signatures import (
    SEPARATOR,
    decode_call_id,
    encode_call_id,
    restore_signatures,
)
from openai_vertex._translate.thoughts import ThoughtSplitter, split_thoughts, with_thought_marker

# openai 3.x uses httpx2, 1.x/2.x httpx: build real requests with whichever the SDK uses.
_http: Any = importlib.import_module("httpx2" if openai.__version__.startswith("3.") else "httpx")
SIG_A = "c2lnbmF0dXJlLWE+/w=="
CHAT_URL = (
    "https://aiplatform.googleapis.com/v1/projects/p/locations/global/endpoints/openapi/chat/completions"
)


# ---- helpers ------------------------------------------------------------------------------------


def chunk(delta: dict[str, Any], finish: str | None = None, index: int = 0, **extra: Any) -> dict[str, Any]:
    choice: dict[str, Any] = {"index": index, "delta": delta}
    if finish is not None:
        choice["finish_reason"] = finish
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [choice],
        **extra,
    }


def call_delta(index: int, call_id: str | None, name: str | None, args: str, **extra: Any) -> dict[str, Any]:
    delta: dict[str, Any] = {"index": index, "type": "function", "function": {"arguments": args}, **extra}
    if call_id is not None:
        delta["id"] = call_id
    if name is not None:
        delta["function"]["name"] = name
    return {"tool_calls": [delta]}


def run(chunks: list[dict[str, Any]], marker: str | None = None) -> list[dict[str, Any]]:
    state = StreamState(marker)
    originals = copy.deepcopy(chunks)
    out = [state.chunk(c) for c in chunks]
    assert chunks == originals  # the SDK's dicts are never modified
    return out


def assemble(chunks: list[dict[str, Any]]) -> Any:
    """What openai-python's `.stream()` helper builds from these chunks."""
    state: ChatCompletionStreamState[Any] = ChatCompletionStreamState()
    for c in chunks:
        state.handle_chunk(ChatCompletionChunk.model_validate(c))
    return state.get_final_completion()


class FakeResponse:
    """Just what `normalize_response` reads: ``request.url.path`` and ``request.content``."""

    def __init__(self, body: dict[str, Any] | None = None, url: str = CHAT_URL) -> None:
        self.request = _http.Request("POST", url, json=body or {})


# ---- streamed tool calls ------------------------------------------------------------------------

# Vertex's documented shape: every delta repeats id and name, the first has index k+1, later ones k,
# the first carries the signature, and the stream ends with "stop".
QUIRKY_ONE_CALL = [
    chunk(
        {
            "role": "assistant",
            **call_delta(
                1, "call_1", "get_weather", '{"ci', extra_content={"google": {"thought_signature": SIG_A}}
            ),
        }
    ),
    chunk({"role": "assistant", **call_delta(0, "call_1", "get_weather", 'ty": ')}),
    chunk(call_delta(0, "call_1", "get_weather", '"Paris"}'), "stop"),
]


def test_repeated_id_and_name_are_sent_once_with_one_stable_index() -> None:
    out = run(QUIRKY_ONE_CALL)
    calls = [c["choices"][0]["delta"]["tool_calls"][0] for c in out]
    assert calls[0] == {
        "index": 0,
        "id": f"call_1{SEPARATOR}{SIG_A}",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"ci'},
        "extra_content": {"google": {"thought_signature": SIG_A}},
    }
    assert calls[1:] == [
        {"index": 0, "function": {"arguments": 'ty": '}},
        {"index": 0, "function": {"arguments": '"Paris"}'}},
    ]
    assert "role" not in out[1]["choices"][0]["delta"]  # a repeated role would read "assistantassistant"
    assert out[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_the_sdk_accumulator_builds_the_call() -> None:
    final = assemble(run(QUIRKY_ONE_CALL))
    (call,) = final.choices[0].message.tool_calls
    assert call.id == f"call_1{SEPARATOR}{SIG_A}"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    assert final.choices[0].finish_reason == "tool_calls"
    assert final.choices[0].message.role == "assistant"


def test_unrepaired_quirks_break_the_sdk_accumulator() -> None:
    # Why the repair exists: the plain SDK fails on exactly this sequence.
    with pytest.raises(IndexError):
        assemble(QUIRKY_ONE_CALL)


def test_two_parallel_calls_each_keep_their_own_index() -> None:
    chunks = [
        chunk(call_delta(1, "call_a", "f", '{"x": ', extra_content={"google": {"thought_signature": SIG_A}})),
        chunk(call_delta(0, "call_a", "f", "1}")),
        chunk(call_delta(2, "call_b", "g", '{"y": ')),
        chunk(call_delta(1, "call_b", "g", "2}")),
        chunk({"content": ""}, "stop"),
    ]
    out = run(chunks)
    indexes = [[d["index"] for d in c["choices"][0]["delta"].get("tool_calls", [])] for c in out]
    assert indexes == [[0], [0], [1], [1], []]
    final = assemble(out)
    calls = final.choices[0].message.tool_calls
    assert [(c.id.partition(SEPARATOR)[0], c.function.name, c.function.arguments) for c in calls] == [
        ("call_a", "f", '{"x": 1}'),
        ("call_b", "g", '{"y": 2}'),
    ]
    assert calls[1].id == "call_b"  # only the first call of a batch carries a signature
    assert final.choices[0].finish_reason == "tool_calls"


def test_two_calls_in_one_chunk_and_interleaved_pieces() -> None:
    chunks = [
        chunk(
            {
                "tool_calls": [
                    {"index": 1, "id": "a", "type": "function", "function": {"name": "f", "arguments": "{"}},
                    {"index": 2, "id": "b", "type": "function", "function": {"name": "g", "arguments": "["}},
                ]
            }
        ),
        chunk(call_delta(1, "b", "g", "]")),
        chunk(call_delta(0, "a", "f", "}"), "stop"),
    ]
    calls = assemble(run(chunks)).choices[0].message.tool_calls
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("a", "f", "{}"),
        ("b", "g", "[]"),
    ]


def test_full_arguments_repeated_in_every_delta_are_emitted_once() -> None:
    whole = '{"city": "Paris", "unit": "C"}'
    pieces = [whole[:5], whole[:17], whole, whole]  # cumulative, then an exact repetition
    chunks = [chunk(call_delta(0, "call_1", "f", p)) for p in pieces] + [chunk({}, "stop")]
    out = run(chunks)
    emitted = [c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] for c in out[:-1]]
    assert "".join(emitted) == whole
    assert assemble(out).choices[0].message.tool_calls[0].function.arguments == whole


def test_suffix_pieces_that_happen_to_repeat_text_are_kept() -> None:
    # Once a call is seen streaming suffixes, a piece equal to earlier text is new text, not a repeat.
    pieces = ['{"a": "', "x", "x", '"}']
    out = run([chunk(call_delta(0, "c", "f", p)) for p in pieces])
    assert (
        "".join(c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] for c in out)
        == '{"a": "xx"}'
    )


def test_openai_shaped_stream_is_left_equivalent() -> None:
    chunks = [
        chunk({"role": "assistant", **call_delta(0, "call_1", "f", "")}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a"'}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": ": 1}"}}]}),
        chunk({}, "tool_calls"),
    ]
    assert assemble(run(chunks)).model_dump() == assemble(chunks).model_dump()


def test_arguments_only_delta_without_id_or_known_index_continues_the_call() -> None:
    chunks = [chunk(call_delta(1, "c", "f", "{")), chunk({"tool_calls": [{"function": {"arguments": "}"}}]})]
    calls = assemble(run(chunks)).choices[0].message.tool_calls
    assert [(c.id, c.function.arguments) for c in calls] == [("c", "{}")]


def test_id_less_later_deltas_with_shifted_indexes_stay_with_their_call() -> None:
    # k+1 then k without ids: B's later index (1) is A's first index; it still belongs to B.
    chunks = [
        chunk(call_delta(1, "a", "f", "{")),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": "}"}}]}),
        chunk(call_delta(2, "b", "g", "[")),
        chunk({"tool_calls": [{"index": 1, "function": {"arguments": "]"}}]}, "stop"),
    ]
    calls = assemble(run(chunks)).choices[0].message.tool_calls
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("a", "f", "{}"),
        ("b", "g", "[]"),
    ]


@pytest.mark.parametrize("finish", ["stop", "length", "content_filter"])
def test_finish_reason_is_kept_without_tool_calls(finish: str) -> None:
    out = run([chunk({"role": "assistant", "content": "hi"}), chunk({"content": "!"}, finish)])
    assert out[-1]["choices"][0]["finish_reason"] == finish


def test_choices_of_n_greater_than_one_have_separate_states() -> None:
    chunks = [
        chunk(call_delta(1, "a", "f", "{"), index=0),
        chunk(call_delta(1, "b", "g", "{"), index=1),
        chunk(call_delta(0, "a", "f", "}"), "stop", index=0),
        chunk({"content": "no calls"}, "stop", index=1),
    ]
    out = run(chunks)
    assert [c["choices"][0]["delta"]["tool_calls"][0]["index"] for c in out[:3]] == [0, 0, 0]
    assert out[2]["choices"][0]["finish_reason"] == "tool_calls"
    assert out[3]["choices"][0]["finish_reason"] == "tool_calls"  # choice 1 had a call too


def test_chunk_usage_without_completion_tokens_is_filled() -> None:
    (out,) = run([chunk({}, "stop", usage={"prompt_tokens": 3, "total_tokens": 10})])
    assert out["usage"] == {"prompt_tokens": 3, "total_tokens": 10, "completion_tokens": 7}


# ---- thoughts -----------------------------------------------------------------------------------

TAGGED = "<thought>Plan: look <it> up.</thought>The answer is <b>42</b>.<thought>Done</thought>!"
EXPECTED = ("The answer is <b>42</b>.!", "Plan: look <it> up.Done")


def test_split_thoughts_whole_text() -> None:
    assert split_thoughts(TAGGED, "thought") == EXPECTED
    assert split_thoughts("no tags <here", "thought") == ("no tags <here", "")
    assert split_thoughts("<thought>cut off by max_tok", "thought") == ("", "cut off by max_tok")


def _feed(pieces: list[str], marker: str = "thought") -> tuple[str, str, list[tuple[str, str]]]:
    splitter = ThoughtSplitter(marker)
    outputs = [splitter.feed(p) for p in pieces]
    outputs.append(splitter.flush())
    return "".join(o[0] for o in outputs), "".join(o[1] for o in outputs), outputs


def test_every_single_cut_position_gives_the_same_split() -> None:
    for cut in range(len(TAGGED) + 1):
        content, reasoning, outputs = _feed([TAGGED[:cut], TAGGED[cut:]])
        assert (content, reasoning) == EXPECTED, cut
        # Only a possible partial tag is held back: at most len("</thought>") - 1 characters.
        emitted = len(outputs[0][0]) + len(outputs[0][1])
        tags_inside = sum(len(t) for t in ("<thought>", "</thought>") for _ in range(TAGGED[:cut].count(t)))
        assert cut - tags_inside - emitted <= len("</thought>") - 1, cut


def test_every_pair_of_cut_positions_gives_the_same_split() -> None:
    n = len(TAGGED)
    for i in range(n + 1):
        for j in range(i, n + 1):
            content, reasoning, _ = _feed([TAGGED[:i], TAGGED[i:j], TAGGED[j:]])
            assert (content, reasoning) == EXPECTED, (i, j)


def test_random_chunkings_into_small_pieces() -> None:
    rng = random.Random(7)
    for _ in range(300):
        cuts = sorted(rng.sample(range(1, len(TAGGED)), rng.randint(1, 12)))
        pieces = [TAGGED[a:b] for a, b in zip([0, *cuts], [*cuts, len(TAGGED)], strict=True)]
        content, reasoning, _ = _feed(pieces)
        assert (content, reasoning) == EXPECTED, pieces


def test_text_outside_tags_flows_through_immediately() -> None:
    splitter = ThoughtSplitter("thought")
    assert splitter.feed("Hello wor") == ("Hello wor", "")
    assert splitter.feed("ld <") == ("ld ", "")  # "<" might open a tag: held
    assert splitter.feed("b>") == ("<b>", "")
    assert splitter.feed("<thou") == ("", "")
    assert splitter.feed("ght>deep") == ("", "deep")
    assert splitter.flush() == ("", "")


def test_streamed_deltas_move_thoughts_into_reasoning_content() -> None:
    pieces = ["<thou", "ght>Thinking: ", "the user.</th", "ought>Echo", ": hi <"]
    chunks = [chunk({"role": "assistant", "content": pieces[0]})] + [
        chunk({"content": p}) for p in pieces[1:-1]
    ]
    chunks.append(chunk({"content": pieces[-1]}, "stop"))
    out = run(chunks, marker="thought")
    deltas = [c["choices"][0]["delta"] for c in out]
    assert deltas[0] == {"role": "assistant", "content": None}
    assert "".join(d.get("reasoning_content") or "" for d in deltas) == "Thinking: the user."
    assert "".join(d.get("content") or "" for d in deltas) == "Echo: hi <"  # flushed at the finish
    final = assemble(out).choices[0].message
    assert final.content == "Echo: hi <"
    assert final.model_extra == {"reasoning_content": "Thinking: the user."}


def test_without_a_marker_content_is_untouched() -> None:
    out = run([chunk({"content": "<thought>x</thought>"}, "stop")])
    assert out[0]["choices"][0]["delta"] == {"content": "<thought>x</thought>"}


def test_with_thought_marker_both_wire_forms() -> None:
    thinking = {"thinking_config": {"include_thoughts": True}}
    nested = {"model": "m", "extra_body": {"google": thinking, "other": 1}}
    before = copy.deepcopy(nested)
    out = with_thought_marker(nested)
    assert nested == before
    assert out == {
        "model": "m",
        "extra_body": {"google": {**thinking, "thought_tag_marker": "thought"}, "other": 1},
    }
    top = {"model": "m", "google": thinking}
    assert with_thought_marker(top) == {"model": "m", "google": {**thinking, "thought_tag_marker": "thought"}}


@pytest.mark.parametrize(
    "body",
    [
        {"model": "m"},
        {"extra_body": {"google": {"thinking_config": {"include_thoughts": False}}}},
        {"extra_body": {"google": {"thinking_config": {"thinking_budget": 10}}}},
        {
            "extra_body": {
                "google": {"thinking_config": {"include_thoughts": True}, "thought_tag_marker": "t"}
            }
        },
        {
            "google": {"thought_tag_marker": "t"},
            "extra_body": {"google": {"thinking_config": {"include_thoughts": True}}},
        },
    ],
)
def test_with_thought_marker_leaves_other_bodies_alone(body: dict[str, Any]) -> None:
    assert with_thought_marker(body) is None


# ---- non-streamed -------------------------------------------------------------------------------


def completion(*choices: dict[str, Any], usage: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "x",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": list(choices),
    }
    if usage is not None:
        data["usage"] = usage
    return data


def test_plain_reply_is_returned_as_is() -> None:
    data = completion(
        {"index": 0, "message": {"role": "assistant", "content": "a < b"}, "finish_reason": "stop"}
    )
    data["usage"] = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    assert normalize_response(data, FakeResponse()) is data


def test_message_less_choice_and_missing_completion_tokens() -> None:
    data = completion({"index": 0, "finish_reason": "length"}, usage={"prompt_tokens": 5, "total_tokens": 9})
    out = normalize_completion(data)
    assert out["choices"][0]["message"] == {"role": "assistant", "content": None}
    assert out["usage"]["completion_tokens"] == 4
    assert "message" not in data["choices"][0]
    no_total = normalize_completion(completion(usage={"prompt_tokens": 5}))
    assert no_total["usage"]["completion_tokens"] == 0
    built = openai.types.chat.ChatCompletion.model_validate(out)
    assert built.choices[0].message.content is None


def test_tool_calls_get_finish_reason_and_signature_id() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    signed = {**call, "extra_content": {"google": {"thought_signature": SIG_A}}}
    data = completion(
        {
            "index": 0,
            "message": {"role": "assistant", "content": None, "tool_calls": [signed, call]},
            "finish_reason": "stop",
        }
    )
    before = copy.deepcopy(data)
    out = normalize_completion(data)
    assert data == before
    choice = out["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert [c["id"] for c in choice["message"]["tool_calls"]] == [f"c1{SEPARATOR}{SIG_A}", "c1"]
    assert choice["message"]["tool_calls"][0]["extra_content"] == signed["extra_content"]
    again = normalize_completion(out)  # idempotent: an id is never encoded twice
    assert again["choices"][0]["message"]["tool_calls"] == choice["message"]["tool_calls"]


def test_thoughts_split_only_with_the_requested_marker() -> None:
    message = {"role": "assistant", "content": "<think>hmm</think>Hi"}
    data = completion({"index": 0, "message": message, "finish_reason": "stop"})
    asked = FakeResponse({"extra_body": {"google": {"thought_tag_marker": "think"}}})
    out = normalize_response(data, asked)
    assert isinstance(out, dict)
    assert out["choices"][0]["message"] == {"role": "assistant", "content": "Hi", "reasoning_content": "hmm"}
    assert normalize_response(data, FakeResponse({"model": "m"})) is data  # not asked: user text


def test_only_thoughts_leave_content_null() -> None:
    message = {"role": "assistant", "content": "<thought>plan</thought>\n", "tool_calls": []}
    out = normalize_completion(
        completion({"index": 0, "message": message}),
        FakeResponse({"google": {"thought_tag_marker": "thought"}}),
    )
    assert out["choices"][0]["message"]["content"] is None
    assert out["choices"][0]["message"]["reasoning_content"] == "plan"


def test_other_paths_pass_through_untouched() -> None:
    data = {"choices": [{"index": 0}]}
    assert normalize_response(data, FakeResponse(url="https://h/v1/models")) is data
    assert normalize_response(data, object()) is data


def test_google_error_list_inside_a_stream_raises_api_error() -> None:
    body = [{"error": {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}}]
    with pytest.raises(openai.APIError) as info:
        normalize_response(body, FakeResponse())
    assert info.value.message == "Internal error encountered."
    assert info.value.code == "INTERNAL"
    assert normalize_response([1, 2], FakeResponse()) == [1, 2]


# ---- thought signatures in ids ------------------------------------------------------------------


@pytest.mark.parametrize("call_id", ["call_abc", "c", "tool_0_get_weather", "call__x__"])
@pytest.mark.parametrize(
    "signature", [SIG_A, "skip_thought_signature_validator", "a" * 2000, f"x{SEPARATOR}y"]
)
def test_id_round_trip(call_id: str, signature: str) -> None:
    encoded = encode_call_id(call_id, signature)
    assert decode_call_id(encoded) == (call_id, signature)
    assert encode_call_id(encoded, "other") == encoded  # never nested
    assert decode_call_id(call_id) == (call_id, None)


def test_restore_signatures_from_hand_built_history() -> None:
    encoded = encode_call_id("c1", SIG_A)
    messages: list[Any] = [
        {"role": "user", "content": "hi"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": encoded, "type": "function", "function": {"name": "f", "arguments": "{}"}},
                {"id": "c2", "type": "function", "function": {"name": "f", "arguments": "{}"}},
            ],
        },
        {"role": "tool", "tool_call_id": encoded, "content": "ok"},
        {"role": "tool", "tool_call_id": "c2", "content": "ok"},
    ]
    before = copy.deepcopy(messages)
    out = restore_signatures(messages)
    assert messages == before
    first, second = out[1]["tool_calls"]
    assert first["id"] == "c1"
    assert first["extra_content"] == {"google": {"thought_signature": SIG_A}}
    assert second is messages[1]["tool_calls"][1]
    assert out[2]["tool_call_id"] == "c1"
    assert out[0] is messages[0] and out[3] is messages[3]  # unchanged messages are shared


def test_restore_signatures_keeps_a_signature_the_client_kept() -> None:
    kept = {"google": {"thought_signature": "kept", "other": 1}, "x": 2}
    call = {
        "id": encode_call_id("c1", SIG_A),
        "type": "function",
        "function": {"name": "f", "arguments": "{}"},
    }
    out = restore_signatures([{"role": "assistant", "tool_calls": [{**call, "extra_content": kept}]}])
    assert out[0]["tool_calls"][0] == {**call, "id": "c1", "extra_content": kept}
    partial = restore_signatures([{"role": "assistant", "tool_calls": [{**call, "extra_content": {"x": 2}}]}])
    assert partial[0]["tool_calls"][0]["extra_content"] == {"x": 2, "google": {"thought_signature": SIG_A}}


def test_restore_signatures_is_pure_when_nothing_changes() -> None:
    messages: list[Any] = [
        {"role": "system", "content": "s"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c", "type": "function", "function": {}}],
        },
        {"role": "tool", "tool_call_id": "c", "content": "r"},
        "not a message",
    ]
    assert restore_signatures(messages) is messages
    assert restore_signatures(()) == []
    as_tuple = tuple(messages)
    assert restore_signatures(as_tuple) == messages
