"""The SDK's websocket APIs (``client.realtime.connect()``, ``client.beta.realtime.connect()``, ...) are
refused before any connection, in all three ways in, sync and async: the SDK dials them itself, past
every HTTP hook, so without the refusal they would reach the Vertex host.

Each test aims ``websocket_base_url`` at a loopback listening socket and checks it accepted nothing,
and that nothing reached the fake Vertex or the token server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import openai
import pytest

import openai_vertex
from openai_vertex._served.refused import WEBSOCKETS
from openai_vertex.exceptions import TranslationError
from openai_vertex.patch import patch_from_environment
from openai_vertex.testing import FakeGoogleAuth, FakeVertex

from .conftest import USER_HELLO
from .test_refused import resolve

# What each connect() needs to be a real dial attempt (required arguments).
ARGUMENTS: dict[str, dict[str, Any]] = {
    "realtime": {"model": "gpt-realtime"},
    "beta.realtime": {"model": "gpt-4o-realtime-preview"},
    "realtime.translations": {"model": "gpt-realtime"},
    "live.sideband": {"session_id": "sess_1"},
    "live.forks": {"session_id": "sess_1"},
}
REFUSAL = r"does not serve OpenAI's .* API .*nothing was sent\. On Google Cloud use"
WAYS = ("drop-in", "patch", "OPENAI_VERTEX=1")


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        sock.setblocking(False)
        yield sock


def accepted(sock: socket.socket) -> bool:
    """Whether anything connected to ``sock`` (the kernel completes a dial even unaccepted)."""
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


@pytest.fixture(autouse=True)
def restore_openai() -> Iterator[None]:
    yield
    openai_vertex.unpatch()
    openai._client = None
    openai.api_key = None


def make_client(way: str, is_async: bool, ws_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    if way == "drop-in":
        cls: Any = openai_vertex.AsyncOpenAI if is_async else openai_vertex.OpenAI
        return cls(websocket_base_url=ws_url, max_retries=0)  # project, base_url, ADC: from `adc`
    if way == "patch":
        openai_vertex.patch()
    else:
        monkeypatch.setenv("OPENAI_VERTEX", "1")
        patch_from_environment()  # what the start-up hook runs when OPENAI_VERTEX=1
    return (openai.AsyncOpenAI if is_async else openai.OpenAI)(websocket_base_url=ws_url, max_retries=0)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("path", list(WEBSOCKETS))
async def test_connect_is_refused_before_any_connection(
    adc: FakeVertex,
    google_auth: FakeGoogleAuth,
    listener: socket.socket,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    way: str,
    is_async: bool,
) -> None:
    ws_url = f"ws://127.0.0.1:{listener.getsockname()[1]}/v1"
    client = make_client(way, is_async, ws_url, monkeypatch)
    resource = resolve(client, path)  # skips where this openai release has no such resource
    if not hasattr(type(resource), "connect"):
        pytest.skip(f"this openai release has no client.{path}.connect()")
    api = WEBSOCKETS[path][0]
    with pytest.raises(TranslationError, match=REFUSAL) as caught:
        manager = resource.connect(**ARGUMENTS.get(path, {}))
        await manager.enter() if is_async else manager.enter()  # where the SDK would dial
    assert api in str(caught.value)
    assert not accepted(listener)
    assert adc.requests == [] and google_auth.token_requests == 0


@pytest.mark.parametrize("way", WAYS)
def test_copies_are_refused_too(adc: FakeVertex, monkeypatch: pytest.MonkeyPatch, way: str) -> None:
    copy = make_client(way, False, "ws://127.0.0.1:9/v1", monkeypatch).with_options(timeout=5)
    with pytest.raises(TranslationError, match="Realtime"):
        copy.beta.realtime.connect(model="gpt-4o-realtime-preview")


def test_an_adopted_client_is_refused_and_handed_back_on_unpatch(
    adc: FakeVertex, listener: socket.socket
) -> None:
    ws_url = f"ws://127.0.0.1:{listener.getsockname()[1]}/v1"
    client = openai.OpenAI(api_key="sk-openai", websocket_base_url=ws_url, max_retries=0)
    sdk_connect = type(client.beta.realtime).connect
    openai_vertex.patch()
    client.chat.completions.create(model="gemini-2.5-flash", messages=USER_HELLO)  # adopted here
    with pytest.raises(TranslationError, match="Realtime"):
        client.beta.realtime.connect(model="gpt-4o-realtime-preview")
    assert not accepted(listener)
    openai_vertex.unpatch()  # an OpenAI client again: its own connect() is back
    assert client.beta.realtime.connect.__func__ is sdk_connect


def test_the_probe_sees_an_unrefused_dial(listener: socket.socket) -> None:
    """Control: a plain openai client does dial ``websocket_base_url`` (so the probe above can tell)."""
    port = listener.getsockname()[1]
    client = openai.OpenAI(api_key="sk-test", websocket_base_url=f"ws://127.0.0.1:{port}/v1")
    path = "realtime" if hasattr(client, "realtime") else "beta.realtime"
    manager = resolve(client, path).connect(
        **ARGUMENTS[path], websocket_connection_options={"open_timeout": 0.2}
    )
    with pytest.raises(Exception):  # noqa: B017 - the handshake times out: nobody answers
        manager.enter()
    assert accepted(listener)
