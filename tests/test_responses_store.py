"""The local response store behind ``previous_response_id``, ``retrieve``, ``delete`` and
``input_items.list``: the same tests on memory, SQLite and a real ``redis-server``, plus a second
process continuing a conversation through SQLite and through Redis."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from openai_vertex import AsyncOpenAI, OpenAI, VertexCompatibilityWarning
from openai_vertex._responses.conversation import NOT_KEPT
from openai_vertex._responses.store import ENV_VAR, MemoryStore, open_store
from openai_vertex.exceptions import ConfigurationError
from openai_vertex.testing import FakeGoogleAuth, FakeVertex
from openai_vertex.testing._fake_google_auth import TOKEN_PREFIX

from .test_auth import sa_credentials
from .test_responses_create import GEMINI3, MODEL, WEATHER


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on a free loopback port (scripts/test installs it when missing)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (scripts/test installs it with apt-get)")
    pytest.importorskip("redis")
    import redis

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    workdir = tmp_path_factory.mktemp("redis")
    args = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen([*args, "--dir", str(workdir)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """The client's ``response_store=`` value for each backend."""
    if request.param == "memory":
        return MemoryStore()
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'responses.db'}"
    return request.getfixturevalue("redis_url")


def make(vertex: FakeVertex, google_auth: FakeGoogleAuth, store: Any) -> OpenAI:
    creds = sa_credentials(google_auth)
    return OpenAI(base_url=vertex.base_url, credentials=creds, max_retries=0, response_store=store)


def test_retrieve_input_items_and_delete(vertex: FakeVertex, google_auth: FakeGoogleAuth, store: Any) -> None:
    client = make(vertex, google_auth, store)
    items: Any = [
        {"role": "user", "content": [{"type": "input_text", "text": "first"}]},
        {"role": "assistant", "content": "noted"},
        {"role": "user", "content": [{"type": "input_text", "text": "second"}]},
    ]
    created = client.responses.create(model=MODEL, input=items, metadata={"k": "v"})
    again = client.responses.retrieve(created.id)
    assert again.model_dump() == created.model_dump()
    page = client.responses.input_items.list(created.id)
    assert [item.type for item in page.data] == ["message"] * 3
    assert [item.content[0].text for item in page.data if item.role == "user"] == ["second", "first"]  # type: ignore[union-attr]
    asc = client.responses.input_items.list(created.id, order="asc", limit=1)
    assert len(asc.data) == 1 and asc.has_more and asc.data[0].id.startswith("msg_")
    client.responses.delete(created.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(created.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.delete(created.id)
    assert vertex.requests[-1].status == 200 and len(vertex.requests) == 1  # only create reached Vertex


def test_conversation_chain(vertex: FakeVertex, google_auth: FakeGoogleAuth, store: Any) -> None:
    client = make(vertex, google_auth, store)
    first = client.responses.create(model=GEMINI3, input="Weather?", tools=[WEATHER])
    output: Any = [{"type": "function_call_output", "call_id": first.output[0].call_id, "output": "fog"}]  # type: ignore[union-attr]
    second = client.responses.create(model=GEMINI3, previous_response_id=first.id, input=output)
    third = client.responses.create(model=GEMINI3, previous_response_id=second.id, input="and tomorrow?")
    assert (second.output_text, third.output_text) == ("Tool said: fog", "Echo: and tomorrow?")
    roles = [m["role"] for m in vertex.requests[-1].body["messages"]]  # type: ignore[index]
    assert roles == ["user", "assistant", "tool", "assistant", "user"]


def test_store_false_keeps_nothing(vertex: FakeVertex, google_auth: FakeGoogleAuth, store: Any) -> None:
    client = make(vertex, google_auth, store)
    kept = client.responses.create(model=MODEL, input="kept")
    gone = client.responses.create(model=MODEL, input="gone", store=False)
    assert client.responses.retrieve(kept.id).output_text == "Echo: kept"
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(gone.id)
    with pytest.raises(openai.BadRequestError, match="not found"):
        client.responses.create(model=MODEL, input="next", previous_response_id=gone.id)


def test_stored_records_hold_no_token(vertex: FakeVertex, google_auth: FakeGoogleAuth, store: Any) -> None:
    client = make(vertex, google_auth, store)
    created = client.responses.create(model=MODEL, input="secret-free?")
    backend = store if isinstance(store, MemoryStore) else open_store(store)
    record = json.dumps(backend.get(created.id))
    assert "Echo: secret-free?" in record
    assert (
        TOKEN_PREFIX not in record
        and "authorization" not in record.lower()
        and "bearer" not in record.lower()
    )
    if isinstance(store, str) and store.startswith("sqlite:"):
        assert TOKEN_PREFIX.encode() not in Path(store.removeprefix("sqlite://")).read_bytes()


async def test_async_client_uses_the_store(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, store: Any
) -> None:
    creds = sa_credentials(google_auth)
    client = AsyncOpenAI(base_url=vertex.base_url, credentials=creds, max_retries=0, response_store=store)
    created = await client.responses.create(model=MODEL, input="async")
    assert (await client.responses.retrieve(created.id)).output_text == "Echo: async"
    page = await client.responses.input_items.list(created.id)
    assert len(page.data) == 1
    await client.responses.delete(created.id)
    with pytest.raises(openai.NotFoundError):
        await client.responses.retrieve(created.id)


def test_memory_store_is_bounded(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = make(vertex, google_auth, MemoryStore(max_records=2))
    ids = [client.responses.create(model=MODEL, input=f"n{i}").id for i in range(3)]
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(ids[0])  # the oldest went first
    assert client.responses.retrieve(ids[2]).output_text == "Echo: n2"


def test_environment_variable_selects_the_store(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv(ENV_VAR, spec)
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth), max_retries=0)
    created = client.responses.create(model=MODEL, input="from env")
    assert open_store(spec).get(created.id) is not None
    monkeypatch.setenv(ENV_VAR, "ftp://nowhere")
    vertex.clear_requests()
    with pytest.raises(ConfigurationError, match="ftp://nowhere"):
        client.responses.create(model=MODEL, input="x")
    with pytest.raises(ConfigurationError, match=ENV_VAR):
        client.responses.retrieve(created.id)
    assert vertex.requests == []


_CONTINUE = """
import sys
from openai_vertex import OpenAI
previous, call_id = sys.argv[1], sys.argv[2]
output = [{"type": "function_call_output", "call_id": call_id, "output": "from another process"}]
reply = OpenAI(max_retries=0).responses.create(
    model=sys.argv[3], previous_response_id=previous, input=output
)
print(reply.output_text)
"""


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_a_second_process_continues_the_conversation(
    vertex: FakeVertex,
    google_auth: FakeGoogleAuth,
    key_file: Path,
    tmp_path: Path,
    backend: str,
    request: Any,
) -> None:
    spec = (
        f"sqlite:///{tmp_path / 'shared.db'}" if backend == "sqlite" else request.getfixturevalue("redis_url")
    )
    first = make(vertex, google_auth, spec).responses.create(model=GEMINI3, input="Weather?", tools=[WEATHER])
    env = {
        **os.environ,
        ENV_VAR: spec,
        "GOOGLE_APPLICATION_CREDENTIALS": str(key_file),
        "OPENAI_VERTEX_BASE_URL": vertex.base_url,
    }
    call_id = first.output[0].call_id  # type: ignore[union-attr]
    done = subprocess.run(
        [sys.executable, "-c", _CONTINUE, first.id, call_id, GEMINI3],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Tool said: from another process"
    assert [m["role"] for m in vertex.requests[-1].body["messages"]] == ["user", "assistant", "tool"]  # type: ignore[index]


def test_stored_records_hold_no_image_or_file_bytes(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, store: Any
) -> None:
    client = make(vertex, google_auth, store)
    payload = base64.b64encode(b"\x89PNG distinctive image bytes").decode()
    pdf = base64.b64encode(b"%PDF distinctive file bytes").decode()
    content: Any = [
        {"type": "input_text", "text": "look"},
        {"type": "input_image", "image_url": f"data:image/png;base64,{payload}", "detail": "auto"},
        {"type": "input_image", "image_url": "gs://bucket/cat.jpg", "detail": "auto"},
        {"type": "input_file", "file_data": f"data:application/pdf;base64,{pdf}", "filename": "a.pdf"},
    ]
    first = client.responses.create(model=MODEL, input=[{"role": "user", "content": content}])
    sent = json.dumps(vertex.requests[-1].body)
    assert payload in sent and pdf in sent  # Vertex got the bytes ...
    backend = store if isinstance(store, MemoryStore) else open_store(store)
    record = json.dumps(backend.get(first.id))
    assert payload not in record and pdf not in record  # ... the store did not keep them
    assert "gs://bucket/cat.jpg" in record and NOT_KEPT in record
    if isinstance(store, str) and store.startswith("sqlite:"):
        assert payload.encode() not in Path(store.removeprefix("sqlite://")).read_bytes()
    listed = client.responses.input_items.list(first.id).data[0]
    assert NOT_KEPT in json.dumps(listed.model_dump())

    with pytest.warns(VertexCompatibilityWarning, match="inline image or file was not stored"):
        client.responses.create(model=MODEL, previous_response_id=first.id, input="and now?")
    history = vertex.requests[-1].body["messages"][0]["content"]  # type: ignore[index]
    assert {"type": "text", "text": NOT_KEPT} in history
    urls = [part["image_url"]["url"] for part in history if part["type"] == "image_url"]
    assert urls == ["gs://bucket/cat.jpg"]  # a URL is kept and sent again; the inline bytes are not
