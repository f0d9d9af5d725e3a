"""The routing transport under the SDK: user-supplied HTTP clients (httpx and httpx2), mounted
transports, clients shared with plain openai clients, and copies aimed at another root."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import Any

import openai
import pytest

import openai_vertex
from openai_vertex import OpenAI
from openai_vertex.testing import FakeGoogleAuth, FakeVertex

from .conftest import PROJECT, USER_HELLO
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


def to_loopback(library: str, fake: FakeVertex) -> Any:
    """A transport that sends each request (``https://…googleapis.com/…``) to ``fake`` on loopback,
    path and headers unchanged: the client under test still sees Google's URL."""
    module = pytest.importorskip(library)
    port = int(fake.base_url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])

    class ToLoopback(module.HTTPTransport):  # type: ignore[misc,name-defined]
        def handle_request(self, request: Any) -> Any:
            request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=port)
            return super().handle_request(request)

    return ToLoopback()


REGIONAL = "https://us-central1-aiplatform.googleapis.com{port}/v1/projects/{project}/locations/us-central1"


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("way", ["drop-in", "patch"])
def test_an_explicit_default_port_is_the_same_root(
    google_auth: FakeGoogleAuth, library: str, way: str
) -> None:
    with FakeVertex(auth=google_auth, project=PROJECT, location="us-central1") as fake:
        root = REGIONAL.format(port=":443", project=PROJECT)
        http = http_client(library, transport=to_loopback(library, fake))
        kwargs: dict[str, Any] = {"base_url": f"{root}/endpoints/openapi", "http_client": http}
        if way == "drop-in":
            client: Any = OpenAI(credentials=sa_credentials(google_auth), **kwargs)
        else:  # Google's documented sample, patched: the ":443" URL is still recognised as Vertex
            openai_vertex.patch(credentials=sa_credentials(google_auth))
            client = openai.OpenAI(api_key="ya29.static-token", **kwargs)
        try:
            assert len(client.embeddings.create(model=MODEL, input=["a", "b"]).data) == 2  # served
            assert "gemini-2.5-flash" in [m.id for m in client.models.list().data]  # served
            client.chat.completions.create(model="gemini-2.5-flash", messages=USER_HELLO)
        finally:
            openai_vertex.unpatch()
        portless = REGIONAL.format(port="", project=PROJECT).split("googleapis.com", 1)[1]
        assert list(dict.fromkeys(r.path for r in fake.requests)) == [  # each path, in order
            f"{portless}/publishers/google/models/{MODEL}:predict",
            "/v1beta1/publishers/google/models",
            f"{portless}/endpoints/openapi/chat/completions",
        ]
        # The Google token went with every request: the origin pin counts :443 as the same origin.
        assert all(r.authorized for r in fake.requests)
