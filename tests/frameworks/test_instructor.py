"""instructor ``from_openai`` with a ``response_model``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import openai_vertex
from openai_vertex.testing import FakeVertex

from .conftest import assert_vertex_only, needs_pth, run_unmodified

instructor = pytest.importorskip("instructor")
pydantic = pytest.importorskip("pydantic")


class Person(pydantic.BaseModel):
    name: str
    age: int


MESSAGES = [{"role": "user", "content": "Alice is 30"}]


def test_injected_client(vertex: FakeVertex, client: openai_vertex.OpenAI) -> None:
    patched = instructor.from_openai(client)
    person = patched.chat.completions.create(
        model="gemini-2.5-flash", response_model=Person, messages=MESSAGES
    )
    assert isinstance(person, Person)
    assert_vertex_only(vertex)


async def test_injected_async_client(vertex: FakeVertex, async_client: openai_vertex.AsyncOpenAI) -> None:
    patched = instructor.from_openai(async_client)
    person = await patched.chat.completions.create(
        model="gemini-2.5-flash", response_model=Person, messages=MESSAGES
    )
    assert isinstance(person, Person)
    assert_vertex_only(vertex)


UNMODIFIED = textwrap.dedent(
    """
    import json
    import instructor
    from openai import OpenAI
    from pydantic import BaseModel

    class Person(BaseModel):
        name: str
        age: int

    client = instructor.from_openai(OpenAI())
    person = client.chat.completions.create(
        model="gpt-4o-mini", response_model=Person, messages=[{"role": "user", "content": "Alice is 30"}]
    )
    print(json.dumps(type(person).__name__))
    """
)


@needs_pth
def test_unmodified_under_openai_vertex(vertex: FakeVertex, key_file: Path) -> None:
    assert run_unmodified(UNMODIFIED, vertex, key_file) == "Person"
    assert_vertex_only(vertex)
