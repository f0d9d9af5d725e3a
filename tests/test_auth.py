"""Google auth through the real google-auth refresh path, against the fake token server and endpoint."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path

import openai
import pytest
from google.oauth2 import service_account

from openai_vertex import AsyncOpenAI, OpenAI
from openai_vertex.exceptions import CredentialsError
from openai_vertex.testing import FakeGoogleAuth, FakeVertex

from .conftest import PROJECT, USER_HELLO

FIVE_WORDS = [{"role": "user", "content": "one two three four five"}]


def chat(client: OpenAI) -> str:
    reply = client.chat.completions.create(model="gemini-2.5-flash", messages=USER_HELLO)
    return reply.choices[0].message.content or ""


async def achat(client: AsyncOpenAI) -> str:
    reply = await client.chat.completions.create(model="gemini-2.5-flash", messages=USER_HELLO)
    return reply.choices[0].message.content or ""


def sa_credentials(google_auth: FakeGoogleAuth) -> service_account.Credentials:
    return service_account.Credentials.from_service_account_info(google_auth.service_account_info())


def test_adc_service_account_file_sync(adc: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    assert chat(OpenAI()) == "Echo: hello"
    assert google_auth.token_requests == 1
    assert [r.authorized for r in adc.requests] == [True]


async def test_adc_service_account_file_async(adc: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    assert await achat(AsyncOpenAI()) == "Echo: hello"
    assert google_auth.token_requests == 1


def test_metadata_server_credentials_and_project(
    monkeypatch: pytest.MonkeyPatch, google_auth: FakeGoogleAuth, vertex: FakeVertex
) -> None:
    monkeypatch.setenv("GCE_METADATA_HOST", google_auth.metadata_host)
    monkeypatch.setenv("GCE_METADATA_IP", google_auth.metadata_host)
    monkeypatch.delenv("NO_GCE_CHECK")
    from google.auth.compute_engine import _metadata

    # google-auth reads GCE_METADATA_HOST and NO_GCE_CHECK once, when this module is first imported
    # (maybe by an earlier test, under conftest's NO_GCE_CHECK=true).
    monkeypatch.setattr(_metadata, "_GCE_METADATA_HOST", google_auth.metadata_host)
    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", False)
    # `projects/-` in the API root asks for the project that Application Default Credentials name.
    client = OpenAI(base_url=vertex.base_url.replace(f"/projects/{PROJECT}/", "/projects/-/"))
    assert chat(client) == "Echo: hello"
    assert f"/projects/{PROJECT}/" in vertex.requests[-1].path


def test_credentials_argument_is_used_lazily(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth))
    assert google_auth.token_requests == 0  # nothing happens at construction
    assert chat(client) == "Echo: hello"
    assert google_auth.token_requests == 1


def test_streaming_chunks_arrive_as_sent(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    vertex.chunk_delay = 0.2
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth))
    start = time.monotonic()
    arrivals = []
    parts = []
    for chunk in client.chat.completions.create(model="gemini-2.5-flash", messages=FIVE_WORDS, stream=True):
        arrivals.append(time.monotonic() - start)
        if chunk.choices and chunk.choices[0].delta.content:
            parts.append(chunk.choices[0].delta.content)
    assert "".join(parts) == "Echo: one two three four five"
    assert len(arrivals) >= 3
    # Unbuffered: the first chunk is in hand long before the server has sent the last one.
    assert arrivals[-1] - arrivals[0] >= 0.2 * (len(arrivals) - 2)


async def test_async_streaming_chunks_arrive_as_sent(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    vertex.chunk_delay = 0.2
    client = AsyncOpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth))
    start = time.monotonic()
    arrivals = []
    stream = await client.chat.completions.create(model="gemini-2.5-flash", messages=FIVE_WORDS, stream=True)
    async for _chunk in stream:
        arrivals.append(time.monotonic() - start)
    assert len(arrivals) >= 3
    assert arrivals[-1] - arrivals[0] >= 0.2 * (len(arrivals) - 2)


def test_token_expiring_during_a_run_is_refreshed_before_use(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    # 226 s of life is 1 s more than google-auth's refresh threshold (3m45s): fresh now, stale soon.
    google_auth.expires_in = 226
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth))
    assert chat(client) == "Echo: hello"
    time.sleep(1.3)
    assert chat(client) == "Echo: hello"
    assert google_auth.token_requests == 2
    assert [r.token_ordinal for r in vertex.requests] == [1, 2]
    assert all(r.authorized for r in vertex.requests)


def test_token_stale_on_arrival_does_not_cause_a_refresh_storm(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    google_auth.expires_in = 200  # below the refresh threshold, as a metadata server near its cache end
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth))
    for _ in range(5):
        assert chat(client) == "Echo: hello"
    assert google_auth.token_requests == 1


def test_50_threads_on_a_cold_credential_make_one_token_request(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    google_auth.delay = 0.3
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth))
    results: list[str] = []
    barrier = threading.Barrier(50)

    def worker() -> None:
        barrier.wait()
        results.append(chat(client))

    threads = [threading.Thread(target=worker) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["Echo: hello"] * 50
    assert google_auth.token_requests == 1


async def test_200_tasks_on_a_cold_credential_make_one_token_request(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    google_auth.delay = 0.3
    client = AsyncOpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth), max_retries=0)
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beat = asyncio.create_task(heartbeat())
    results = await asyncio.gather(*(achat(client) for _ in range(200)))
    beat.cancel()
    assert results == ["Echo: hello"] * 200
    assert google_auth.token_requests == 1
    assert ticks >= 10  # the loop kept running while the 0.3 s refresh was in flight


def test_100_clients_in_a_loop_share_one_token(adc: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    for _ in range(100):
        assert chat(OpenAI()) == "Echo: hello"
    copies = OpenAI()
    for _ in range(20):
        assert chat(copies.with_options(timeout=30)) == "Echo: hello"
    assert google_auth.token_requests == 1


def test_clients_sharing_a_credentials_object_share_one_token(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    credentials = sa_credentials(google_auth)
    for _ in range(100):
        assert chat(OpenAI(base_url=vertex.base_url, credentials=credentials)) == "Echo: hello"
    assert google_auth.token_requests == 1


def test_401_once_refreshes_once_and_succeeds(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth))
    assert chat(client) == "Echo: hello"
    google_auth.revoke_all()  # Vertex now answers 401 to the cached token
    assert chat(client) == "Echo: hello"
    assert google_auth.token_requests == 2
    assert [(r.authorized, r.token_ordinal) for r in vertex.requests] == [(True, 1), (False, 1), (True, 2)]


async def test_401_once_refreshes_once_and_succeeds_async(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    client = AsyncOpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth))
    assert await achat(client) == "Echo: hello"
    google_auth.revoke_all()
    assert await achat(client) == "Echo: hello"
    assert google_auth.token_requests == 2


def test_concurrent_401s_share_one_refresh(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth))
    assert chat(client) == "Echo: hello"
    google_auth.revoke_all()
    google_auth.delay = 0.2
    barrier = threading.Barrier(10)
    results: list[str] = []

    def worker() -> None:
        barrier.wait()
        results.append(chat(client))

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["Echo: hello"] * 10
    assert google_auth.token_requests == 2


@pytest.mark.parametrize("use_async", [False, True])
def test_401_always_makes_exactly_two_attempts(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, use_async: bool
) -> None:
    vertex.reject_all_tokens = True
    with pytest.raises(openai.AuthenticationError) as caught:
        if use_async:
            client = AsyncOpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth))
            asyncio.run(achat(client))
        else:
            chat(OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth)))
    assert len(vertex.requests) == 2
    assert google_auth.token_requests == 2
    assert caught.value.code == "UNAUTHENTICATED"
    assert "gcloud auth application-default login" in caught.value.message


def test_no_refresh_on_403(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    vertex.fail_next(status=403, times=5)
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth))
    with pytest.raises(openai.PermissionDeniedError) as caught:
        chat(client)
    assert len(vertex.requests) == 1
    assert google_auth.token_requests == 1
    assert "roles/aiplatform.user" in caught.value.message


def test_missing_credentials_error_on_first_request_not_construction(tmp_path: Path) -> None:
    client = OpenAI(vertex_project="my-project")  # no error yet: discovery is lazy
    with pytest.raises(CredentialsError) as caught:
        chat(client)
    message = str(caught.value)
    assert "gcloud auth application-default login" in message
    assert "GOOGLE_APPLICATION_CREDENTIALS" in message
    assert "credentials=" in message


def test_token_server_refusal_is_a_credentials_error(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    google_auth.fail_next(status=400, error="invalid_grant", description="Token has been expired or revoked.")
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth), max_retries=0)
    with pytest.raises(CredentialsError, match="invalid_grant") as caught:
        chat(client)
    assert caught.value.__cause__ is None
    assert vertex.requests == []


@pytest.mark.parametrize("bad", ["", "tok en", "tok\r\nX-Injected: 1", "tók", 42])
def test_token_that_is_not_a_clean_header_value_is_refused(vertex: FakeVertex, bad: object) -> None:
    client = OpenAI(base_url=vertex.base_url, token_provider=lambda: bad)  # type: ignore[arg-type,return-value]
    with pytest.raises(CredentialsError, match="not a valid bearer token"):
        chat(client)
    assert vertex.requests == []


def test_token_provider_sync_and_async(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    credentials = sa_credentials(google_auth)

    def provide() -> str:
        from google.auth.transport.requests import Request

        credentials.refresh(Request())
        return str(credentials.token)

    async def aprovide() -> str:
        return await asyncio.to_thread(provide)

    assert chat(OpenAI(base_url=vertex.base_url, token_provider=provide)) == "Echo: hello"
    assert asyncio.run(achat(AsyncOpenAI(base_url=vertex.base_url, token_provider=aprovide))) == "Echo: hello"
    assert asyncio.run(achat(AsyncOpenAI(base_url=vertex.base_url, token_provider=provide))) == "Echo: hello"


def test_tokens_never_reach_logs_exceptions_or_reprs(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("openai", "httpx", "httpx2", "httpcore", "google", "urllib3", "openai_vertex"):
        caplog.set_level(logging.DEBUG, logger=name)
    caplog.set_level(logging.DEBUG)
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth))
    chat(client)
    google_auth.revoke_all()
    chat(client)  # 401 -> refresh -> retry
    vertex.reject_all_tokens = True
    with pytest.raises(openai.AuthenticationError) as caught:
        chat(client)
    texts = [record.getMessage() for record in caplog.records]
    texts += [repr(record.args) for record in caplog.records]
    texts += [repr(client), repr(client._vertex), str(caught.value), repr(caught.value.body)]
    assert len(caplog.records) > 5
    assert not [text for text in texts if "fake-ya29." in text]
