"""Image URLs through the clients: what Vertex receives under each `image_urls` mode."""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Iterator

import pytest

from openai_vertex import AsyncOpenAI, FetchLimits, ImageFetcher, OpenAI
from openai_vertex.exceptions import ImageFetchError
from openai_vertex.testing import FakeGoogleAuth, FakeVertex

from .test_auth import sa_credentials
from .test_images import PNG, Server, data_url, image

LOOPBACK = ipaddress.ip_address("127.0.0.1")


def allow_local_server(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # The test's image server is on 127.0.0.1; everything else keeps the default policy.
    return ip == LOOPBACK


@pytest.fixture
def images() -> Iterator[Server]:
    server = Server("127.0.0.1")
    server.routes["/photo"] = image(PNG)
    server.routes["/slow1"] = image(PNG, delay=0.4)
    server.routes["/slow2"] = image(PNG, delay=0.4)
    server.routes["/stuck1"] = image(PNG, delay=3)
    server.routes["/stuck2"] = image(PNG, delay=3)
    yield server
    server.close()


def ask(url: str) -> list[dict[str, object]]:
    return [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what is this?"},
                {"type": "image_url", "image_url": {"url": url}},
            ],
        }
    ]


def two_images(images: Server, first: str, second: str) -> list[dict[str, object]]:
    messages = ask(images.url(first))
    messages[0]["content"].append({"type": "image_url", "image_url": {"url": images.url(second)}})  # type: ignore[attr-defined]
    return messages


def sent_image_urls(vertex: FakeVertex) -> list[str]:
    body = vertex.requests[-1].body
    assert body is not None
    return [
        part["image_url"]["url"] for part in body["messages"][0]["content"] if part["type"] == "image_url"
    ]


def client_for(vertex: FakeVertex, auth: FakeGoogleAuth, **kwargs: object) -> OpenAI:
    return OpenAI(base_url=vertex.base_url, credentials=sa_credentials(auth), **kwargs)  # type: ignore[arg-type]


def test_auto_inlines_urls_vertex_cannot_fetch_and_caches_them(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, images: Server
) -> None:
    client = client_for(
        vertex, google_auth, image_fetcher=ImageFetcher(is_allowed_address=allow_local_server)
    )
    url = images.url("/photo?sig=abc")
    for _ in range(3):  # a chat history resends its images every turn
        client.chat.completions.create(model="gemini-2.5-flash", messages=ask(url))
    assert sent_image_urls(vertex) == [data_url("image/png", PNG)]
    assert len(images.requests) == 1


@pytest.mark.parametrize(
    ("mode", "url", "expected"),
    [
        ("auto", "gs://bucket/cat.jpg", "gs://bucket/cat.jpg"),
        ("auto", "https://example.com/cat.jpg", "https://example.com/cat.jpg"),
        ("passthrough", "http://127.0.0.1:9/never-fetched", "http://127.0.0.1:9/never-fetched"),
    ],
)
def test_urls_vertex_fetches_itself_pass_through(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, mode: str, url: str, expected: str
) -> None:
    client_for(vertex, google_auth, image_urls=mode).chat.completions.create(
        model="gemini-2.5-flash", messages=ask(url)
    )
    assert sent_image_urls(vertex) == [expected]


def test_default_fetcher_refuses_private_addresses_before_calling_vertex(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, images: Server
) -> None:
    client = client_for(vertex, google_auth, image_urls="inline")
    with pytest.raises(ImageFetchError, match=re.escape("127.0.0.1")) as caught:
        client.chat.completions.create(
            model="gemini-2.5-flash", messages=ask(images.url("/photo?sig=SECRET"))
        )
    assert "SECRET" not in str(caught.value)
    assert images.requests == []
    assert vertex.requests == []


def test_byte_cap_is_configurable(vertex: FakeVertex, google_auth: FakeGoogleAuth, images: Server) -> None:
    fetcher = ImageFetcher(FetchLimits(max_bytes=len(PNG) - 1), is_allowed_address=allow_local_server)
    client = client_for(vertex, google_auth, image_fetcher=fetcher)
    with pytest.raises(ImageFetchError, match="limit"):
        client.chat.completions.create(model="gemini-2.5-flash", messages=ask(images.url("/photo")))
    assert vertex.requests == []


async def test_async_client_fetches_concurrently(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, images: Server
) -> None:
    client = AsyncOpenAI(
        base_url=vertex.base_url,
        credentials=sa_credentials(google_auth),
        image_fetcher=ImageFetcher(is_allowed_address=allow_local_server),
    )
    messages = two_images(images, "/slow1", "/slow2")
    start = time.monotonic()
    await client.chat.completions.create(model="gemini-2.5-flash", messages=messages)  # type: ignore[arg-type]
    assert time.monotonic() - start < 0.75  # two 0.4 s fetches overlapped
    assert sent_image_urls(vertex) == [data_url("image/png", PNG)] * 2


def test_sync_client_fetches_concurrently(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, images: Server
) -> None:
    client = client_for(
        vertex, google_auth, image_fetcher=ImageFetcher(is_allowed_address=allow_local_server)
    )
    start = time.monotonic()
    client.chat.completions.create(model="gemini-2.5-flash", messages=two_images(images, "/slow1", "/slow2"))  # type: ignore[arg-type]
    assert time.monotonic() - start < 0.75  # two 0.4 s fetches overlapped
    assert sent_image_urls(vertex) == [data_url("image/png", PNG)] * 2


@pytest.mark.parametrize("how", ["client", "with_options", "per_call"])
def test_all_fetches_of_a_request_share_one_deadline_bounded_by_its_timeout(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, images: Server, how: str
) -> None:
    fetcher = ImageFetcher(is_allowed_address=allow_local_server)
    client = client_for(vertex, google_auth, image_fetcher=fetcher, timeout=0.5 if how == "client" else 60)
    create = client.chat.completions.create
    if how == "with_options":
        create = client.with_options(timeout=0.5).chat.completions.create
    extra: dict[str, object] = {"timeout": 0.5} if how == "per_call" else {}
    start = time.monotonic()
    with pytest.raises(ImageFetchError, match=re.escape("took longer than 0.5 s (the request's timeout)")):
        create(model="gemini-2.5-flash", messages=two_images(images, "/stuck1", "/stuck2"), **extra)  # type: ignore[call-overload]
    assert time.monotonic() - start < 1.5  # one 0.5 s deadline for both, not 0.5 s each or 3 s each
    assert vertex.requests == []


async def test_async_fetches_share_the_request_deadline(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, images: Server
) -> None:
    client = AsyncOpenAI(
        base_url=vertex.base_url,
        credentials=sa_credentials(google_auth),
        image_fetcher=ImageFetcher(is_allowed_address=allow_local_server),
        timeout=0.5,
    )
    start = time.monotonic()
    with pytest.raises(ImageFetchError, match=re.escape("took longer than 0.5 s (the request's timeout)")):
        await client.chat.completions.create(
            model="gemini-2.5-flash",
            messages=two_images(images, "/stuck1", "/stuck2"),  # type: ignore[arg-type]
        )
    assert time.monotonic() - start < 1.5
    assert vertex.requests == []
