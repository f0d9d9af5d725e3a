"""Frameworks on their Responses-API paths, unmodified, against FakeVertex (Chat Completions only):
openai-agents' default ``OpenAIResponsesModel``, pydantic-ai's ``OpenAIResponsesModel`` and
langchain-openai's ``ChatOpenAI(use_responses_api=True)``, with an injected openai-vertex client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import openai_vertex
from openai_vertex.testing import FakeVertex

from .conftest import assert_vertex_only, needs_pth, run_unmodified

pydantic = pytest.importorskip("pydantic")
MODEL = "gemini-2.5-flash"


class Person(pydantic.BaseModel):
    name: str
    age: int


def chat_paths(vertex: FakeVertex) -> set[str]:
    return {r.path.rsplit("/", 2)[-2] + "/" + r.path.rsplit("/", 1)[-1] for r in vertex.requests}


# ---- openai-agents --------------------------------------------------------------------------------


async def test_openai_agents_default_responses_model(
    vertex: FakeVertex, async_client: openai_vertex.AsyncOpenAI
) -> None:
    agents = pytest.importorskip("agents")
    agents.set_tracing_disabled(True)
    cities: list[str] = []

    @agents.function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        cities.append(city)
        return f"sunny in {city}"

    model = agents.OpenAIResponsesModel(model=MODEL, openai_client=async_client)
    agent = agents.Agent(name="weather", instructions="Be brief.", model=model, tools=[get_weather])
    result = await agents.Runner.run(agent, "weather in Paris?")
    assert len(cities) == 1 and result.final_output == f"Tool said: sunny in {cities[0]}"

    streamed = agents.Runner.run_streamed(agent, "weather in Rome?")
    kinds = [event.type async for event in streamed.stream_events()]
    assert "raw_response_event" in kinds and streamed.final_output.startswith("Tool said: sunny in")

    typed = agents.Agent(name="typed", model=model, output_type=Person)
    person = (await agents.Runner.run(typed, "Alice is 30")).final_output
    assert isinstance(person, Person)

    specialist = agents.Agent(name="specialist", instructions="Answer.", model=model)
    triage = agents.Agent(name="triage", model=model, handoffs=[specialist])
    handed = await agents.Runner.run(triage, "I need the specialist")
    assert handed.last_agent.name == "specialist" and handed.final_output.startswith("Tool said:")
    assert_vertex_only(vertex, at_least=7)


# ---- pydantic-ai ----------------------------------------------------------------------------------


async def test_pydantic_ai_responses_model(
    vertex: FakeVertex, async_client: openai_vertex.AsyncOpenAI
) -> None:
    pydantic_ai = pytest.importorskip("pydantic_ai")
    from pydantic_ai.models.openai import OpenAIResponsesModel
    from pydantic_ai.providers.openai import OpenAIProvider

    model = OpenAIResponsesModel(MODEL, provider=OpenAIProvider(openai_client=async_client))
    agent = pydantic_ai.Agent(model)

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return "sunny"

    assert (await agent.run("weather?")).output == "Tool said: sunny"
    person = (await pydantic_ai.Agent(model, output_type=Person).run("Alice is 30")).output
    assert isinstance(person, Person)
    async with pydantic_ai.Agent(model).run_stream("hello") as run:
        assert await run.get_output() == "Echo: hello"
    assert_vertex_only(vertex, at_least=4)


# ---- langchain-openai -----------------------------------------------------------------------------


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def test_langchain_use_responses_api(
    vertex: FakeVertex, client: openai_vertex.OpenAI, async_client: openai_vertex.AsyncOpenAI
) -> None:
    langchain_openai = pytest.importorskip("langchain_openai")
    llm: Any = langchain_openai.ChatOpenAI(
        model=MODEL,
        use_responses_api=True,
        root_client=client,
        client=client.chat.completions,
        root_async_client=async_client,
        async_client=async_client.chat.completions,
    )
    assert llm.invoke("hello").text == "Echo: hello"
    assert "".join(chunk.text for chunk in llm.stream("hello")) == "Echo: hello"
    calls = llm.bind_tools([get_weather]).invoke("weather in Paris?").tool_calls
    assert [call["name"] for call in calls] == ["get_weather"] and isinstance(calls[0]["args"]["city"], str)
    assert isinstance(llm.with_structured_output(Person).invoke("Alice is 30"), Person)
    assert_vertex_only(vertex, at_least=4)


# ---- unmodified, under OPENAI_VERTEX=1 ---------------------------------------------------------------

UNMODIFIED = {  # framework module -> a script written for OpenAI (its default Responses model), printing
    # the answer
    "agents": """
import json
from agents import Agent, Runner, function_tool

@function_tool
def get_weather(city: str) -> str:
    "The weather in a city."
    return "sunny"

agent = Agent(name="weather", model="gpt-4o-mini", tools=[get_weather])  # the default: Responses
print(json.dumps(Runner.run_sync(agent, "weather in Paris?").final_output))
""",
    "langchain_openai": """
import json
from langchain_openai import ChatOpenAI

llm = ChatOpenAI(model="gpt-4o-mini", use_responses_api=True)
print(json.dumps(llm.invoke("hello").text))
""",
}


@needs_pth
@pytest.mark.parametrize(
    ("module", "answer"), [("agents", "Tool said: sunny"), ("langchain_openai", "Echo: hello")]
)
def test_unmodified_under_openai_vertex(vertex: FakeVertex, key_file: Path, module: str, answer: str) -> None:
    pytest.importorskip(module)
    assert run_unmodified(UNMODIFIED[module], vertex, key_file, OPENAI_API_KEY="sk-never-sent") == answer
    assert_vertex_only(vertex)
