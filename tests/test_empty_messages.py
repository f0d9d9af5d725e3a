"""Empty ``messages`` fail before any request, with what to change."""

from __future__ import annotations

import pytest

import openai_vertex
from openai_vertex.exceptions import TranslationError
from openai_vertex.testing import FakeVertex


def test_empty_messages_fail_before_any_request(vertex: FakeVertex) -> None:
    client = openai_vertex.OpenAI(base_url=vertex.base_url, token_provider=lambda: "t", max_retries=0)
    with pytest.raises(TranslationError, match="messages is empty; pass at least one message"):
        client.chat.completions.create(model="gemini-2.5-flash", messages=[])
    assert vertex.requests == []


async def test_empty_messages_fail_before_any_request_async(vertex: FakeVertex) -> None:
    client = openai_vertex.AsyncOpenAI(base_url=vertex.base_url, token_provider=lambda: "t", max_retries=0)
    with pytest.raises(TranslationError, match="messages is empty"):
        await client.chat.completions.create(model="gemini-2.5-flash", messages=[])
    assert vertex.requests == []
