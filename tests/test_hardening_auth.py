"""Token fetches bounded by the request's timeout, and malformed token answers (issue 11, items 1-2).

Every test uses google-auth's real refresh code against loopback fakes: the fake token server told
to hang (accept, never answer) or to send garbage, and a TCP "black hole" that completes the
handshake and then never reads or answers.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from google.auth import impersonated_credentials
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from openai_vertex import AsyncOpenAI, OpenAI
from openai_vertex.exceptions import CredentialsError
from openai_vertex.testing import FakeGoogleAuth, FakeVertex

from .conftest import USER_HELLO

pytestmark = pytest.mark.timeout(60)
SLACK = 1.0  # the bound: the call ends within its timeout plus one second


def chat(client: OpenAI, **kwargs: object) -> str:
    reply = client.chat.completions.create(model="gemini-2.5-flash", messages=USER_HELLO, **kwargs)  # type: ignore[call-overload]
    return reply.choices[0].message.content or ""


async def achat(client: AsyncOpenAI, **kwargs: object) -> str:
    reply = await client.chat.completions.create(model="gemini-2.5-flash", messages=USER_HELLO, **kwargs)  # type: ignore[call-overload]
    return reply.choices[0].message.content or ""


def sa_credentials(google_auth: FakeGoogleAuth) -> service_account.Credentials:
    return service_account.Credentials.from_service_account_info(google_auth.service_account_info())


@pytest.fixture
def black_hole() -> Iterator[str]:
    """``http://127.0.0.1:PORT``: the kernel accepts connections (backlog), nothing ever answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


@pytest.fixture
def trickle() -> Iterator[str]:
    """``http://127.0.0.1:PORT``: answers 200 and then one byte of body every 0.2 s, never finishing.

    A per-read timeout never fires on it, so a refresh thread calling it stays stuck: what an
    abandoned refresh looks like at its worst.
    """
    stop = threading.Event()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)

    def drip(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                )
                while not stop.wait(0.2):
                    conn.sendall(b" ")
            except OSError:
                pass

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            threading.Thread(target=drip, args=(conn,), name="trickle-conn", daemon=True).start()

    acceptor = threading.Thread(target=accept, name="trickle-accept", daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        acceptor.join(5)
        server.close()


def user_creds(token_uri: str) -> user_credentials.Credentials:
    return user_credentials.Credentials(
        None,
        refresh_token="fake-refresh-token",
        token_uri=token_uri,
        client_id="fake-client",
        client_secret="fake-secret",
    )


def timed(fn: object) -> tuple[BaseException, float]:
    start = time.monotonic()
    try:
        fn()  # type: ignore[operator]
    except BaseException as exc:
        return exc, time.monotonic() - start
    raise AssertionError("the call did not fail")


# ---- item 1: a hanging token endpoint --------------------------------------------------------


@pytest.mark.parametrize("how", ["client", "with_options", "per_call"])
def test_hanging_token_endpoint_fails_within_the_timeout_sync(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, how: str
) -> None:
    google_auth.hang_next(times=3)
    creds = sa_credentials(google_auth)
    if how == "client":
        client, kwargs = OpenAI(base_url=vertex.base_url, credentials=creds, timeout=1.0), {}
    elif how == "with_options":
        client, kwargs = OpenAI(base_url=vertex.base_url, credentials=creds).with_options(timeout=1.0), {}
    else:
        client, kwargs = OpenAI(base_url=vertex.base_url, credentials=creds), {"timeout": 1.0}
    assert client.chat.completions  # the SDK imports its chat modules on first use: not the token's time
    exc, elapsed = timed(lambda: chat(client, **kwargs))
    assert isinstance(exc, CredentialsError), repr(exc)
    assert google_auth.token_uri in str(exc)  # names the endpoint
    assert elapsed < 1.0 + SLACK
    assert vertex.requests == []


def test_later_calls_start_a_fresh_attempt_instead_of_joining_a_stuck_one(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    google_auth.hang_next(times=1)
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth), timeout=1.0)
    exc, _ = timed(lambda: chat(client))
    assert isinstance(exc, CredentialsError)
    # The first attempt is still parked on the server; this one asks again and gets a token.
    start = time.monotonic()
    assert chat(client) == "Echo: hello"
    assert time.monotonic() - start < 1.0
    assert google_auth.token_requests == 2


def test_hanging_token_endpoint_async_and_asyncio_run_returns_promptly(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    google_auth.hang_next(times=3)
    creds = sa_credentials(google_auth)
    errors: list[BaseException] = []

    async def main() -> None:
        client = AsyncOpenAI(base_url=vertex.base_url, credentials=creds, timeout=1.0)
        try:
            await achat(client)
        except Exception as exc:
            errors.append(exc)

    start = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - start < 1.0 + SLACK
    assert len(errors) == 1 and isinstance(errors[0], CredentialsError), errors
    assert google_auth.token_uri in str(errors[0])


def test_asyncio_run_returns_while_the_abandoned_refresh_is_still_stuck(
    vertex: FakeVertex, trickle: str
) -> None:
    errors: list[BaseException] = []

    async def main() -> None:
        client = AsyncOpenAI(
            base_url=vertex.base_url, credentials=user_creds(trickle + "/token"), timeout=1.0
        )
        try:
            await achat(client)
        except Exception as exc:
            errors.append(exc)

    before = set(threading.enumerate())
    start = time.monotonic()
    asyncio.run(main())  # returns although the refresh is still reading the never-ending answer
    assert time.monotonic() - start < 1.0 + SLACK
    assert len(errors) == 1 and isinstance(errors[0], CredentialsError), errors
    assert trickle in str(errors[0])
    # The one thing the client leaves is that refresh, in a daemon thread (no executor to join);
    # the trickle server's threads are the test's.
    ours = [t for t in set(threading.enumerate()) - before if not t.name.startswith("trickle")]
    assert [(t.name, t.daemon) for t in ours] == [("openai-vertex-token-refresh", True)]


EXIT_SCRIPT = """
import asyncio
from google.oauth2 import credentials
from openai_vertex import AsyncOpenAI
from openai_vertex.exceptions import CredentialsError

creds = credentials.Credentials(
    None, refresh_token="r", token_uri={token_uri!r}, client_id="c", client_secret="s"
)

async def main():
    client = AsyncOpenAI(base_url={base_url!r}, credentials=creds, timeout=0.5)
    try:
        messages = [{{"role": "user", "content": "hi"}}]
        await client.chat.completions.create(model="gemini-2.5-flash", messages=messages)
    except CredentialsError:
        print("credentials-error", flush=True)

asyncio.run(main())
"""


def test_interpreter_exits_while_an_abandoned_refresh_is_still_stuck(
    vertex: FakeVertex, trickle: str
) -> None:
    # The trickle lasts beyond the subprocess: if anything joined the stuck refresh thread at exit
    # (an executor, a non-daemon thread), the child would not end before the 30 s timeout.
    script = EXIT_SCRIPT.format(token_uri=trickle + "/token", base_url=vertex.base_url)
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "credentials-error"
    assert time.monotonic() - start < 15  # interpreter start-up and imports included


async def test_async_later_call_starts_fresh(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    google_auth.hang_next(times=1)
    client = AsyncOpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth))
    with pytest.raises(CredentialsError):
        await achat(client, timeout=0.5)
    assert await achat(client, timeout=5.0) == "Echo: hello"


def fail_timed(mode: str, base_url: str, creds: object, timeout: float) -> tuple[BaseException, float]:
    """Make one call on a sync or an async client (in its own asyncio.run) that is expected to fail."""
    if mode == "sync":
        client = OpenAI(base_url=base_url, credentials=creds, timeout=timeout)  # type: ignore[arg-type]
        assert client.chat.completions  # the SDK's lazy imports are not part of the measured time
        return timed(lambda: chat(client))
    aclient = AsyncOpenAI(base_url=base_url, credentials=creds, timeout=timeout)  # type: ignore[arg-type]
    assert aclient.chat.completions
    return timed(lambda: asyncio.run(achat(aclient)))


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_hanging_metadata_server_is_bounded(
    monkeypatch: pytest.MonkeyPatch, google_auth: FakeGoogleAuth, vertex: FakeVertex, mode: str
) -> None:
    from google.auth import compute_engine
    from google.auth.compute_engine import _metadata

    # google-auth reads GCE_METADATA_HOST once, at import, into this constant.
    monkeypatch.setattr(_metadata, "_GCE_METADATA_HOST", google_auth.metadata_host)
    google_auth.hang_next(times=10)
    exc, elapsed = fail_timed(mode, vertex.base_url, compute_engine.Credentials(), 1.0)
    assert isinstance(exc, CredentialsError), repr(exc)
    assert google_auth.metadata_host in str(exc)
    assert elapsed < 1.0 + SLACK


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_hanging_user_credentials_endpoint_is_bounded(vertex: FakeVertex, black_hole: str, mode: str) -> None:
    exc, elapsed = fail_timed(mode, vertex.base_url, user_creds(black_hole + "/token"), 1.0)
    assert isinstance(exc, CredentialsError), repr(exc)
    assert black_hole in str(exc)
    assert "fake-secret" not in str(exc) and "fake-refresh-token" not in str(exc)
    assert elapsed < 1.0 + SLACK


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_hanging_impersonation_endpoint_is_bounded(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, black_hole: str, mode: str
) -> None:
    creds = impersonated_credentials.Credentials(
        source_credentials=google_auth.credentials(),
        target_principal="target@fake-project.iam.gserviceaccount.com",
        target_scopes=["https://www.googleapis.com/auth/cloud-platform"],
        iam_endpoint_override=black_hole + "/v1/generateAccessToken",
    )
    exc, elapsed = fail_timed(mode, vertex.base_url, creds, 1.5)
    assert isinstance(exc, CredentialsError), repr(exc)
    assert black_hole in str(exc)
    assert elapsed < 1.5 + SLACK
    assert google_auth.token_requests == 1  # the source token was fetched; the IAM call hung


def test_async_token_provider_that_hangs_is_bounded(vertex: FakeVertex) -> None:
    async def provide() -> str:
        await asyncio.sleep(3600)
        return "never"

    client = AsyncOpenAI(base_url=vertex.base_url, token_provider=provide, timeout=0.5)
    start = time.monotonic()
    with pytest.raises(CredentialsError, match="token_provider"):
        asyncio.run(achat(client))
    assert time.monotonic() - start < 0.5 + SLACK


# ---- item 2: malformed token answers ---------------------------------------------------------

MALFORMED = {
    "html": (b"<html><body>Sign in to the Wi-Fi</body></html>", "text/html"),
    "json_list": (b'[{"access_token": "x"}]', "application/json"),
    "no_expires_in": (b'{"access_token": "fake-ya29.tok", "token_type": "Bearer"}', "application/json"),
    "text_expires_in": (
        b'{"access_token": "fake-ya29.tok", "expires_in": "soon", "token_type": "Bearer"}',
        "application/json",
    ),
    "empty_token": (b'{"access_token": "", "expires_in": 3600, "token_type": "Bearer"}', "application/json"),
    "null_token": (b'{"access_token": null, "expires_in": 3600}', "application/json"),
    "dict_expires_in": (b'{"access_token": "fake-ya29.tok", "expires_in": {}}', "application/json"),
}


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_malformed_service_account_token_answer_is_a_credentials_error(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, kind: str
) -> None:
    body, content_type = MALFORMED[kind]
    google_auth.answer_next(200, body, content_type)
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth), timeout=5.0)
    with pytest.raises(CredentialsError) as caught:
        chat(client)
    assert caught.value.__cause__ is None
    message = str(caught.value)
    assert "fake-ya29.tok" not in message
    assert google_auth.token_uri in message and "malformed answer (" in message
    assert vertex.requests == []
    assert chat(client) == "Echo: hello"  # the next answer is fine again


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_malformed_metadata_server_answer_is_a_credentials_error(
    monkeypatch: pytest.MonkeyPatch, google_auth: FakeGoogleAuth, vertex: FakeVertex, kind: str
) -> None:
    from google.auth import compute_engine
    from google.auth.compute_engine import _metadata

    monkeypatch.setattr(_metadata, "_GCE_METADATA_HOST", google_auth.metadata_host)
    body, content_type = MALFORMED[kind]
    google_auth.answer_next(200, body, content_type)
    client = OpenAI(base_url=vertex.base_url, credentials=compute_engine.Credentials(), timeout=5.0)
    with pytest.raises(CredentialsError) as caught:
        chat(client)
    assert google_auth.metadata_host in str(caught.value) and "malformed answer (" in str(caught.value)
    assert caught.value.__cause__ is None
    assert vertex.requests == []


# ---- the other token-endpoint faults of the reliability table ---------------------------------


def test_token_endpoint_500_once_is_retried_by_google_auth_and_always_is_a_credentials_error(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth), timeout=10.0)
    google_auth.fail_next(status=500, error="internal_failure", description="Backend Error")
    assert chat(client) == "Echo: hello"  # google-auth retries a 5xx from the token endpoint
    other = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth), timeout=10.0)
    google_auth.fail_next(status=500, error="internal_failure", description="Backend Error", times=10)
    exc, elapsed = timed(lambda: chat(other))
    assert isinstance(exc, CredentialsError), repr(exc)
    assert elapsed < 10.0 + SLACK
    assert len(vertex.requests) == 1  # only the first client's call reached Vertex


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_token_endpoint_down_is_a_credentials_error_naming_it(vertex: FakeVertex, mode: str) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    down = f"http://127.0.0.1:{closed.getsockname()[1]}"
    closed.close()  # nothing listens: connection refused
    exc, elapsed = fail_timed(mode, vertex.base_url, user_creds(down + "/token"), 5.0)
    assert isinstance(exc, CredentialsError), repr(exc)
    assert down in str(exc) and "fake-secret" not in str(exc)
    assert elapsed < 5.0 + SLACK
