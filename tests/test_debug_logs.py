"""With the SDK's debug logging on (``OPENAI_LOG=debug``, or the ``openai`` logger at DEBUG), what our
hooks put in the request must not reach the log: openai 1.x/2.x log every request's options, after
``_prepare_options``, so a fetched image inlined there would be logged as base64 bytes."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest

from openai_vertex import ImageFetcher
from openai_vertex.testing import FakeGoogleAuth, FakeVertex

from .test_images import PNG, Server, image
from .test_images_e2e import allow_local_server, ask, client_for, sent_image_urls


def call_chat(client: Any, url: str) -> None:
    client.chat.completions.create(model="gemini-2.5-flash", messages=ask(url))


def call_responses(client: Any, url: str) -> None:
    content = [{"type": "input_text", "text": "what is this?"}, {"type": "input_image", "image_url": url}]
    client.responses.create(model="gemini-2.5-flash", input=[{"role": "user", "content": content}])


@pytest.mark.parametrize("call", [call_chat, call_responses], ids=["chat", "responses"])
def test_an_inlined_image_is_sent_but_not_logged(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, caplog: pytest.LogCaptureFixture, call: Any
) -> None:
    server = Server("127.0.0.1")
    server.routes["/photo"] = image(PNG)
    try:
        fetcher = ImageFetcher(is_allowed_address=allow_local_server)
        client = client_for(vertex, google_auth, image_fetcher=fetcher)
        with caplog.at_level(logging.DEBUG, logger="openai"):
            call(client, server.url("/photo"))
    finally:
        server.close()
    encoded = base64.b64encode(PNG).decode()
    assert sent_image_urls(vertex) == [f"data:image/png;base64,{encoded}"]  # Vertex got the bytes
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Request options" in logged or "Building HTTP request" in logged  # the SDK did log the request
    assert encoded[:40] not in logged
