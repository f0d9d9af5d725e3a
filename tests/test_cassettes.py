"""Cassettes replay the documented Vertex shapes offline, and hold no secrets.

They are recorded by scripts/record_cassettes.py through `openai_vertex.testing.vcr_config`;
here they replay with recording disabled, so a request that does not match fails the test.
"""

from __future__ import annotations

from pathlib import Path

import openai
import pytest
import vcr

from openai_vertex import OpenAI
from openai_vertex.testing import find_secrets, vcr_config

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"
MESSAGES = [{"role": "user", "content": "Say hello to Vertex in five words."}]


@pytest.fixture
def replay() -> vcr.VCR:
    return vcr.VCR(**{**vcr_config(), "record_mode": "none"})


@pytest.fixture
def client() -> OpenAI:
    # The real global endpoint (the cassettes' project id is scrubbed to PROJECT, which is not a valid
    # id, hence the explicit root); vcrpy answers from the cassette, nothing leaves the machine.
    root = "https://aiplatform.googleapis.com/v1/projects/PROJECT/locations/global/endpoints/openapi"
    return OpenAI(base_url=root, token_provider=lambda: "replay-token", max_retries=0)


def test_every_cassette_is_free_of_secrets() -> None:
    cassettes = sorted(CASSETTES.glob("*.yaml"))
    assert len(cassettes) >= 3
    for path in cassettes:
        assert find_secrets(path.read_text()) == [], path.name


def test_scanner_catches_planted_secrets() -> None:
    planted = 'authorization: Bearer abc\n{"access_token": "ya29.abc"}\n-----BEGIN PRIVATE KEY'
    assert {"bearer_token", "google_access_token", "access_token_json", "private_key"} <= set(
        find_secrets(planted)
    )


def test_replay_chat_completion(replay: vcr.VCR, client: OpenAI) -> None:
    with replay.use_cassette(str(CASSETTES / "chat_completion.yaml")) as cassette:
        reply = client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    assert cassette.play_count == 1
    assert reply.choices[0].message.content == "Echo: Say hello to Vertex in five words."
    assert reply.usage is not None and reply.usage.total_tokens > 0


def test_replay_streamed_chat_completion(replay: vcr.VCR, client: OpenAI) -> None:
    with replay.use_cassette(str(CASSETTES / "chat_completion_stream.yaml")):
        stream = client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, stream=True)
        chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Echo: Say hello to Vertex in five words."
    # Vertex sends usage on its last chunk unasked; OpenAI's contract (no include_usage) is no usage.
    assert all(c.usage is None for c in chunks)


def test_replay_list_shaped_error_reads_like_openai(replay: vcr.VCR, client: OpenAI) -> None:
    with (
        replay.use_cassette(str(CASSETTES / "error_list_shaped.yaml")),
        pytest.raises(openai.BadRequestError) as caught,
    ):
        client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    error = caught.value
    assert error.code == "INVALID_ARGUMENT"
    assert error.type == "invalid_request_error"
    assert isinstance(error.body, dict)
    assert error.body["message"] == "Request contains an invalid argument."
