"""openai-agents with ``OpenAIChatCompletionsModel`` and a function tool."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import openai_vertex
from openai_vertex.testing import FakeVertex

from .conftest import assert_vertex_only, needs_pth, run_unmodified

agents = pytest.importorskip("agents")


async def test_function_tool(vertex: FakeVertex, async_client: openai_vertex.AsyncOpenAI) -> None:
    agents.set_tracing_disabled(True)
    cities: list[str] = []

    @agents.function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        cities.append(city)
        return f"sunny in {city}"

    model = agents.OpenAIChatCompletionsModel(model="gemini-2.5-flash", openai_client=async_client)
    agent = agents.Agent(name="weather", instructions="Be brief.", model=model, tools=[get_weather])
    result = await agents.Runner.run(agent, "weather in Paris?")
    assert len(cities) == 1
    assert result.final_output == f"Tool said: sunny in {cities[0]}"
    assert_vertex_only(vertex, at_least=2)


UNMODIFIED = textwrap.dedent(
    """
    import json
    from agents import Agent, OpenAIChatCompletionsModel, Runner, function_tool
    from openai import AsyncOpenAI

    @function_tool
    def get_weather(city: str) -> str:
        '''The weather in a city.'''
        return "sunny"

    model = OpenAIChatCompletionsModel(model="gpt-4o-mini", openai_client=AsyncOpenAI())
    agent = Agent(name="weather", instructions="Be brief.", model=model, tools=[get_weather])
    answer = Runner.run_sync(agent, "weather in Paris?").final_output
    try:
        Runner.run_sync(Agent(name="default", model="gpt-4o-mini"), "hello")  # the Responses API
        responses = "sent"
    except Exception as exc:
        responses = str(exc)
    print(json.dumps([answer, responses]))
    """
)


@needs_pth
def test_unmodified_under_openai_vertex(vertex: FakeVertex, key_file: Path) -> None:
    answer, responses = run_unmodified(UNMODIFIED, vertex, key_file)
    assert answer == "Tool said: sunny"
    assert responses == "sent"  # the default Responses model is served too (_responses/)
    assert_vertex_only(vertex, at_least=3)
