"""The routing transport under the SDK: user-supplied HTTP clients (httpx and httpx2), mounted
transports, clients shared with plain openai clients, and copies aimed at another root."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from openai_vertex import OpenAI
from openai_vertex.testing import FakeGoogleAuth, FakeVertex

from .conftest import PROJECT
from .test_auth import sa_credentials

MODEL = "gemini-embedding-001"
LIBRARIES = [name for name in ("httpx", "httpx2") if importlib.util.find_spec(name) is not None]


@pytest.fixture
def other(google_auth: FakeGoogleAuth) -> Iterator[FakeVertex]:
    with FakeVertex(auth=google_auth, project=PROJECT, location="global") as fake:
        yield fake


def http_client(library: str, **kwargs: Any) -> Any:
    module = pytest.importorskip(library)
    if library == "httpx2" and int(openai.__version__.split(".")[0]) < 3:
        pytest.skip("openai < 3 takes httpx clients")  # 2.47+ accepts httpx2 only experimentally
    return module.Client(**kwargs)


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_user_client_and_its_mounts_are_routed(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, library: str
) -> None:
    module = pytest.importorskip(library)
    # A mounted transport for the fake's host (as proxies are mounted): the route must sit on it too.
    http = http_client(library, mounts={"all://127.0.0.1": module.HTTPTransport()})
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth), http_client=http)
    assert len(client.embeddings.create(model=MODEL, input=["a", "b"]).data) == 2
    assert [r.path.rsplit("/", 1)[-1] for r in vertex.requests] == [f"{MODEL}:predict"] * 2


@pytest.mark.parametrize("library", LIBRARIES)
def test_other_clients_on_the_same_http_client_pass_through(
    vertex: FakeVertex, other: FakeVertex, google_auth: FakeGoogleAuth, library: str
) -> None:
    http = http_client(library)
    OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth), http_client=http)
    plain = openai.OpenAI(base_url=other.base_url, api_key="sk-plain", http_client=http, max_retries=0)
    with pytest.raises(openai.APIStatusError):
        plain.embeddings.create(model="text-embedding-3-small", input="x")
    # Not our root: sent as the plain client wrote it, with its own key, and nothing reached Vertex.
    (sent,) = other.requests
    assert (
        sent.path.endswith("/endpoints/openapi/embeddings")
        and sent.headers["authorization"] == "Bearer sk-plain"
    )
    assert vertex.requests == []


def test_a_copy_with_another_root_is_routed_there(
    vertex: FakeVertex, other: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth))
    moved = client.with_options(base_url=other.base_url)
    assert moved._client is client._client  # the SDK shares the HTTP client between copies
    moved.embeddings.create(model=MODEL, input="x")
    client.embeddings.create(model=MODEL, input="y")
    assert [r.body["instances"][0]["content"] for r in other.requests] == ["x"]
    assert [r.body["instances"][0]["content"] for r in vertex.requests] == ["y"]
