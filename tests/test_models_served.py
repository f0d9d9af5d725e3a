"""``models.list()`` / ``models.retrieve()`` from Vertex's publisher-models listing, or the catalogue."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import openai
import pytest

from openai_vertex import AsyncOpenAI, OpenAI
from openai_vertex._served.catalogue import EMBEDDING_MODELS, GEMINI_MODELS
from openai_vertex.testing import FakeGoogleAuth, FakeVertex
from openai_vertex.testing._fake_predict import LIST_PAGE_SIZE, LISTED_MODELS

from .conftest import USER_HELLO
from .test_auth import sa_credentials


def make(fake: FakeVertex, auth: FakeGoogleAuth, cls: Any = OpenAI, **kwargs: Any) -> Any:
    return cls(base_url=fake.base_url, credentials=sa_credentials(auth), max_retries=0, **kwargs)


def test_list_comes_from_the_publisher_listing(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    models = make(vertex, google_auth).models.list()
    ids = [m.id for m in models.data]
    # The fake lists imagen and veo too: only models usable with model= here are shown.
    assert ids == ["gemini-2.5-flash", "gemini-2.5-pro", *sorted(EMBEDDING_MODELS)]
    assert all(isinstance(m, openai.types.Model) and m.owned_by == "google" for m in models.data)
    assert {r.path for r in vertex.requests} == {"/v1beta1/publishers/google/models"}
    assert all(r.authorized for r in vertex.requests)


def page_queries(fake: FakeVertex) -> list[dict[str, list[str]]]:
    return [parse_qs(r.query) for r in fake.requests if r.path == "/v1beta1/publishers/google/models"]


def assert_paged(fake: FakeVertex, ids: list[str]) -> None:
    """Every page was asked for once, in order, and every usable model came back exactly once."""
    pages = -(-len(LISTED_MODELS) // LIST_PAGE_SIZE)
    assert pages > 1  # the fake answers at most LIST_PAGE_SIZE per page, whatever pageSize asks
    starts = range(LIST_PAGE_SIZE, len(LISTED_MODELS), LIST_PAGE_SIZE)
    assert [q.get("pageToken") for q in page_queries(fake)] == [None, *[[str(n)] for n in starts]]
    usable = [n for n in LISTED_MODELS if n.startswith("gemini-") or n in EMBEDDING_MODELS]
    assert ids == usable  # the listing's own (alphabetical) order, none lost, none repeated


def test_list_follows_every_page(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    assert_paged(vertex, [m.id for m in make(vertex, google_auth).models.list().data])


async def test_async_list_follows_every_page(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    assert_paged(vertex, [m.id async for m in make(vertex, google_auth, AsyncOpenAI).models.list()])


def test_list_falls_back_to_the_catalogue(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    vertex.fail_next(404)  # e.g. a private endpoint without Model Garden
    ids = [m.id for m in make(vertex, google_auth).models.list().data]
    assert ids == sorted([*GEMINI_MODELS, *EMBEDDING_MODELS])


@pytest.mark.parametrize("model", GEMINI_MODELS)
def test_every_catalogue_gemini_id_is_usable_with_model(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, model: str
) -> None:
    """The fallback listing offers only ids the fake (whose table cites the docs) serves on global."""
    reply = make(vertex, google_auth).chat.completions.create(model=model, messages=USER_HELLO)
    assert reply.choices[0].message.content


def test_list_errors_that_are_not_absence_are_raised(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    vertex.fail_next(429)
    with pytest.raises(openai.RateLimitError):
        make(vertex, google_auth).models.list()


def test_retrieve(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = make(vertex, google_auth, model_aliases={"gpt-4o": "gemini-2.5-pro"})
    assert client.models.retrieve("gemini-2.5-flash").id == "gemini-2.5-flash"
    assert client.models.retrieve("gpt-4o").id == "gemini-2.5-pro"  # aliases apply
    assert vertex.requests[-1].path == "/v1/publishers/google/models/gemini-2.5-pro"
    with pytest.raises(openai.NotFoundError) as caught:
        client.models.retrieve("imagen-4.0-generate-001")  # listed by Vertex, but not usable here
    assert caught.value.code == "model_not_found"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gemini-9-nonexistent")


async def test_async_list_and_retrieve(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = make(vertex, google_auth, AsyncOpenAI)
    listed = [m.id async for m in client.models.list()]
    assert "gemini-embedding-001" in listed
    assert (await client.models.retrieve("text-embedding-005")).id == "text-embedding-005"
    vertex.fail_next(403)
    assert (await client.models.retrieve("gemini-2.5-flash")).id == "gemini-2.5-flash"  # catalogue
