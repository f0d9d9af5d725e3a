"""langchain-openai ``ChatOpenAI``: invoke, stream, ``bind_tools``, ``with_structured_output``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import openai_vertex
from openai_vertex.exceptions import TranslationError
from openai_vertex.testing import FakeVertex

from .conftest import assert_vertex_only, needs_pth, run_unmodified

langchain_openai = pytest.importorskip("langchain_openai")
pydantic = pytest.importorskip("pydantic")


class Person(pydantic.BaseModel):
    name: str
    age: int


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def test_injected_client(
    vertex: FakeVertex, client: openai_vertex.OpenAI, async_client: openai_vertex.AsyncOpenAI
) -> None:
    llm = langchain_openai.ChatOpenAI(
        model="gemini-2.5-flash",
        root_client=client,
        client=client.chat.completions,
        root_async_client=async_client,
        async_client=async_client.chat.completions,
    )
    assert llm.invoke("hello").content == "Echo: hello"
    assert "".join(str(chunk.content) for chunk in llm.stream("hello")) == "Echo: hello"
    calls = llm.bind_tools([get_weather]).invoke("weather in Paris?").tool_calls
    assert [call["name"] for call in calls] == ["get_weather"]
    assert isinstance(calls[0]["args"]["city"], str)
    assert isinstance(llm.with_structured_output(Person).invoke("Alice is 30"), Person)
    structured = llm.with_structured_output(Person, method="function_calling")
    assert isinstance(structured.invoke("Alice is 30"), Person)
    assert_vertex_only(vertex, at_least=5)


async def test_injected_async_client(vertex: FakeVertex, async_client: openai_vertex.AsyncOpenAI) -> None:
    llm = langchain_openai.ChatOpenAI(
        model="gemini-2.5-flash", root_async_client=async_client, async_client=async_client.chat.completions
    )
    assert (await llm.ainvoke("hello")).content == "Echo: hello"
    chunks = [str(chunk.content) async for chunk in llm.astream("hello")]
    assert "".join(chunks) == "Echo: hello"
    assert_vertex_only(vertex, at_least=2)


def test_embeddings_of_an_unaliased_openai_model_name_the_fix(client: openai_vertex.OpenAI) -> None:
    # Embeddings are served (test_embeddings_frameworks.py); OpenAI's default model needs an alias.
    embeddings = langchain_openai.OpenAIEmbeddings(
        client=client.embeddings,
        api_key="unused",
        check_embedding_ctx_length=False,
    )
    with pytest.raises(TranslationError, match="model_aliases="):
        embeddings.embed_query("hello")


UNMODIFIED = textwrap.dedent(
    """
    import json
    from langchain_openai import ChatOpenAI
    from pydantic import BaseModel

    class Person(BaseModel):
        name: str
        age: int

    def get_weather(city: str) -> str:
        '''The weather in a city.'''
        return "sunny"

    llm = ChatOpenAI(model="gpt-4o-mini")
    print(json.dumps({
        "invoke": llm.invoke("hello").content,
        "stream": "".join(str(c.content) for c in llm.stream("hello")),
        "tools": [c["name"] for c in llm.bind_tools([get_weather]).invoke("weather?").tool_calls],
        "structured": type(llm.with_structured_output(Person).invoke("Alice is 30")).__name__,
    }))
    """
)


@needs_pth
@pytest.mark.parametrize("key", ["sk-never-sent", None], ids=["with-key", "no-OPENAI_API_KEY"])
def test_unmodified_under_openai_vertex(vertex: FakeVertex, key_file: Path, key: str | None) -> None:
    # Without OPENAI_API_KEY, langchain-openai >= 1.x builds no sync client ("Sync client is not
    # available"); OPENAI_VERTEX=1 supplies a placeholder, which is never sent.
    result = run_unmodified(UNMODIFIED, vertex, key_file, **({"OPENAI_API_KEY": key} if key else {}))
    assert result == {
        "invoke": "Echo: hello",
        "stream": "Echo: hello",
        "tools": ["get_weather"],
        "structured": "Person",
    }
    assert_vertex_only(vertex, at_least=4)
