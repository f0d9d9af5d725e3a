"""pydantic-ai with an OpenAI chat model: a tool call and structured output."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import openai_vertex
from openai_vertex.testing import FakeVertex

from .conftest import assert_vertex_only, needs_pth, run_unmodified

pydantic_ai = pytest.importorskip("pydantic_ai")
openai_models = pytest.importorskip("pydantic_ai.models.openai")
openai_provider = pytest.importorskip("pydantic_ai.providers.openai")
pydantic = pytest.importorskip("pydantic")


class Person(pydantic.BaseModel):
    name: str
    age: int


def chat_model(async_client: openai_vertex.AsyncOpenAI) -> object:
    model_class = getattr(openai_models, "OpenAIChatModel", None) or openai_models.OpenAIModel
    return model_class(
        "gemini-2.5-flash", provider=openai_provider.OpenAIProvider(openai_client=async_client)
    )


async def test_tool_call(vertex: FakeVertex, async_client: openai_vertex.AsyncOpenAI) -> None:
    agent = pydantic_ai.Agent(chat_model(async_client))
    cities: list[str] = []

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """The weather in a city."""
        cities.append(city)
        return f"sunny in {city}"

    result = await agent.run("weather in Paris?")
    assert len(cities) == 1
    assert result.output == f"Tool said: sunny in {cities[0]}"
    assert_vertex_only(vertex, at_least=2)


async def test_structured_output(vertex: FakeVertex, async_client: openai_vertex.AsyncOpenAI) -> None:
    agent = pydantic_ai.Agent(chat_model(async_client), output_type=Person)
    result = await agent.run("Alice is 30")
    assert isinstance(result.output, Person)
    assert_vertex_only(vertex)


UNMODIFIED = textwrap.dedent(
    """
    import json
    from pydantic import BaseModel
    from pydantic_ai import Agent

    class Person(BaseModel):
        name: str
        age: int

    agent = Agent("openai-chat:gpt-4o-mini")

    @agent.tool_plain
    def get_weather(city: str) -> str:
        '''The weather in a city.'''
        return "sunny"

    tool_answer = agent.run_sync("weather?").output
    person = Agent("openai-chat:gpt-4o-mini", output_type=Person).run_sync("Alice is 30").output
    try:
        Agent("openai:gpt-4o-mini").run_sync("hello")  # the Responses API
        responses = "sent"
    except Exception as exc:
        responses = str(exc)
    print(json.dumps([tool_answer, type(person).__name__, responses]))
    """
)


@needs_pth
def test_unmodified_under_openai_vertex(vertex: FakeVertex, key_file: Path) -> None:
    # pydantic-ai's OpenAI provider insists on OPENAI_API_KEY being set; its value is never sent.
    tool_answer, person, responses = run_unmodified(
        UNMODIFIED, vertex, key_file, OPENAI_API_KEY="sk-never-sent"
    )
    assert [tool_answer, person] == ["Tool said: sunny", "Person"]
    assert responses == "sent"  # "openai:" models use the Responses API, served too (_responses/)
    assert_vertex_only(vertex, at_least=4)
