"""Google access tokens: where they come from, when to refresh, and single-flight refreshing.

Token sources are shared per process (see :func:`token_source_for`): frameworks create a new
``OpenAI()`` per call, and each of those must reuse the cached token instead of asking Google again.
One refresh is in flight per source at a time, whatever the mix of threads and event loops: the
first caller starts it, everyone else waits on the same ``concurrent.futures.Future``. Async
callers run the blocking google-auth refresh in a worker thread so the event loop never blocks.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import threading
import time
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any, Protocol

from ._deadline import (
    BoundedRequest,
    Budget,
    DeadlineExceeded,
    await_future,
    running_future,
    start_thread,
    within,
)
from .exceptions import ConfigurationError, CredentialsError

if TYPE_CHECKING:
    from google.auth.credentials import Credentials

__all__ = ["NO_BUDGET", "TokenProvider", "TokenSource", "token_source_for"]

log = logging.getLogger("openai_vertex")

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
# A token that is already stale when it arrives (the server granted less than google-auth's 3m45s
# refresh threshold, as a metadata server does near the end of its own cache) is used for this long
# before asking again; otherwise every request would refresh (google-auth issues #581 and #863).
STALE_ON_ARRIVAL_COOLDOWN_SECONDS = 30.0

TokenProvider = Callable[[], str | Awaitable[str]]
NO_BUDGET = Budget()

NO_CREDENTIALS_HELP = (
    "Fix it with one of: run 'gcloud auth application-default login'; set GOOGLE_APPLICATION_CREDENTIALS "
    "to a service-account key file; or pass credentials= (google-auth Credentials) or token_provider= to "
    "the client. Off Google Cloud, set NO_GCE_CHECK=true to skip the slow metadata-server probe."
)


class TokenSource(Protocol):
    def token(self, budget: Budget = NO_BUDGET) -> str: ...
    async def atoken(self, budget: Budget = NO_BUDGET) -> str: ...
    def token_after_rejection(self, rejected: str, budget: Budget = NO_BUDGET) -> str: ...
    async def atoken_after_rejection(self, rejected: str, budget: Budget = NO_BUDGET) -> str: ...
    def project(self) -> str | None: ...
    def quota_project(self) -> str | None: ...


def validate_token(token: object) -> str:
    """A bearer token must be a clean header value: printable ASCII without spaces (no CRLF injection)."""
    # Every character in 33..126: ASCII, printable (no control characters or DEL), and no space. Checked
    # with str methods, not per character: a token_provider's token is checked on every request.
    if (
        not isinstance(token, str)
        or not (token.isascii() and token.isprintable())
        or " " in token
        or not token
    ):
        raise CredentialsError(
            "The Google access token is not a valid bearer token (empty, or contains spaces, control "
            "or non-ASCII characters); check your token_provider or credentials."
        )
    return token


class _Attempt:
    """One refresh in flight: its outcome, and the transport that knows which endpoint it is calling."""

    __slots__ = ("future", "transport")

    def __init__(self, future: Future[str], transport: BoundedRequest | None) -> None:
        self.future = future
        self.transport = transport

    def timed_out(self, seconds: float | None) -> CredentialsError:
        where = self.transport.endpoint if self.transport is not None else None
        return CredentialsError(
            f"No Google access token within {seconds:g} s, the request's timeout: "
            f"{where or 'the token endpoint'} did not answer in time. Check that it is reachable from "
            "here, or give the request a longer timeout (timeout= on the client, with_options or the call)."
        )


class CredentialsTokenSource:
    """Tokens from a google-auth ``Credentials`` (given, or found by ADC on first use)."""

    def __init__(self, credentials: Credentials | None, *, label: str) -> None:
        self._credentials = credentials
        self._adc_project: str | None = None
        self._label = label
        self._lock = threading.Lock()
        self._inflight: _Attempt | None = None
        self._stale_on_arrival_at = float("-inf")
        self._transport: Any = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._label}>"

    def token(self, budget: Budget = NO_BUDGET) -> str:
        current = self._usable_token()
        if current is not None:
            return current
        return self._wait(self._start_or_join(None, budget), budget)

    async def atoken(self, budget: Budget = NO_BUDGET) -> str:
        current = self._usable_token()
        if current is not None:
            return current
        return await self._await(self._start_or_join(None, budget), budget)

    def token_after_rejection(self, rejected: str, budget: Budget = NO_BUDGET) -> str:
        return self._wait(self._start_or_join(rejected, budget), budget)

    async def atoken_after_rejection(self, rejected: str, budget: Budget = NO_BUDGET) -> str:
        return await self._await(self._start_or_join(rejected, budget), budget)

    def project(self) -> str | None:
        return self._adc_project

    def quota_project(self) -> str | None:
        creds = self._credentials
        return getattr(creds, "quota_project_id", None) if creds is not None else None

    def _wait(self, attempt: _Attempt, budget: Budget) -> str:
        try:
            return attempt.future.result(timeout=budget.total)
        except (FutureTimeout, TimeoutError):
            self._abandon(attempt)
            raise attempt.timed_out(budget.total) from None

    async def _await(self, attempt: _Attempt, budget: Budget) -> str:
        # A cancelled or timed-out waiter leaves the refresh running: the next caller may join it.
        try:
            return await await_future(attempt.future, budget.total)
        except (asyncio.TimeoutError, TimeoutError):
            self._abandon(attempt)
            raise attempt.timed_out(budget.total) from None

    def _abandon(self, attempt: _Attempt) -> None:
        """A refresh that outlived a caller's timeout is stuck: later callers start a fresh one."""
        with self._lock:
            if self._inflight is attempt:
                self._inflight = None

    def _usable_token(self) -> str | None:
        creds = self._credentials
        if creds is None or not creds.token:
            return None
        state = creds.token_state.name  # FRESH, STALE or INVALID, from expiry and google-auth's threshold
        if state == "FRESH":
            return str(creds.token)
        if (
            state == "STALE"
            and time.monotonic() - self._stale_on_arrival_at < STALE_ON_ARRIVAL_COOLDOWN_SECONDS
        ):
            return str(creds.token)
        return None

    def _start_or_join(self, rejected: str | None, budget: Budget) -> _Attempt:
        with self._lock:
            current = self._usable_token()
            # A rejected token forces a refresh, unless another caller already replaced it.
            if current is not None and (rejected is None or current != rejected):
                done: Future[str] = Future()
                done.set_result(current)
                return _Attempt(done, None)
            if self._inflight is not None:
                return self._inflight
            transport = BoundedRequest(self._send, budget.deadline(), budget.connect)
            attempt = _Attempt(running_future(), transport)
            self._inflight = attempt
        # Always in a thread of its own, even for sync callers: a caller can then stop waiting at its
        # timeout, which a blocking call inside google-auth would not allow.
        start_thread(lambda: self._refresh_for(attempt), "openai-vertex-token-refresh", attempt.future)
        return attempt

    def _send(self, *args: Any, **kwargs: Any) -> Any:
        """google-auth's requests transport, made on first use in the refresh thread: importing
        requests takes a while the first time, and the caller must be free to stop waiting meanwhile."""
        transport = self._transport
        if transport is None:
            from google.auth.transport.requests import Request

            with self._lock:
                transport = self._transport = self._transport or Request()
        return transport(*args, **kwargs)

    def _refresh_for(self, attempt: _Attempt) -> str:
        try:
            token = self._refresh(attempt)
        finally:
            with self._lock:
                if self._inflight is attempt:
                    self._inflight = None
        with self._lock:
            if self._credentials is not None and self._credentials.token_state.name == "STALE":
                self._stale_on_arrival_at = time.monotonic()
        return token

    def _refresh(self, attempt: _Attempt) -> str:
        from google.auth import exceptions as gexc

        transport = attempt.transport
        assert transport is not None
        try:
            if self._credentials is None:
                self._credentials = self._discover(transport)
            log.debug("refreshing Google access token (%s)", type(self._credentials).__name__)
            self._credentials.refresh(transport)  # type: ignore[no-untyped-call]
        except DeadlineExceeded:
            raise CredentialsError(
                f"No Google access token before the request's timeout: {transport.endpoint} did not answer "
                "in time. Check that it is reachable, or give the request a longer timeout."
            ) from None
        except gexc.DefaultCredentialsError as exc:
            raise CredentialsError(
                f"No usable Google credentials: {_first_line(exc)}. {NO_CREDENTIALS_HELP}"
            ) from None
        except gexc.TransportError as exc:
            raise CredentialsError(
                f"Could not reach the Google token endpoint {transport.endpoint or ''} "
                f"({_first_line(exc)}). Check network access to it."
            ) from None
        except gexc.GoogleAuthError as exc:
            raise CredentialsError(
                f"Google refused to issue an access token ({type(exc).__name__}: {_first_line(exc)}). "
                "Check that the credentials are current (for user credentials run "
                "'gcloud auth application-default login' again) and that the service account still exists."
            ) from None
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
            # google-auth parses the answer without checking its shape: HTML, a JSON list, a
            # non-numeric expires_in end up here as builtin errors.
            raise _malformed(transport.endpoint, f"{type(exc).__name__}: {_first_line(exc)}") from None
        token = self._credentials.token
        if not isinstance(token, str) or not token:
            raise _malformed(transport.endpoint, "no access_token")
        if self._credentials.expiry is None:
            # google-auth would treat the token as never expiring and never refresh it again.
            raise _malformed(transport.endpoint, "no expires_in")
        token = validate_token(token)
        log.debug("Google access token refreshed; expires at %s UTC", self._credentials.expiry)
        return token

    def _discover(self, transport: BoundedRequest) -> Credentials:
        import google.auth

        credentials, project = google.auth.default(
            scopes=[CLOUD_PLATFORM_SCOPE],
            request=transport,  # type: ignore[arg-type]  # duck-typed: google-auth only calls it
        )
        self._adc_project = project
        log.debug("Application Default Credentials found: %s", type(credentials).__name__)
        return credentials


def _malformed(endpoint: str | None, cause: str) -> CredentialsError:
    return CredentialsError(
        f"The Google token endpoint {endpoint or ''} sent a malformed answer ({cause}); a proxy or "
        "captive portal may be answering in its place. Check the token_uri / metadata-server address."
    )


class ProviderTokenSource:
    """Tokens from a user callable, asked on every attempt (the callable does its own caching)."""

    def __init__(self, provider: TokenProvider) -> None:
        if not callable(provider):
            raise ConfigurationError("token_provider must be a callable that returns an access token string.")
        self._provider = provider

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def token(self, budget: Budget = NO_BUDGET) -> str:
        value = self._provider()
        if inspect.isawaitable(value):
            if inspect.iscoroutine(value):
                value.close()
            raise ConfigurationError(
                "token_provider returned an awaitable; OpenAI needs a plain callable "
                "(use an async one with AsyncOpenAI)."
            )
        return validate_token(value)

    async def atoken(self, budget: Budget = NO_BUDGET) -> str:
        provider = self._provider
        try:
            if inspect.iscoroutinefunction(provider) or inspect.iscoroutinefunction(type(provider).__call__):
                value: object = await within(provider(), budget.total)  # type: ignore[arg-type]
            else:
                # A plain callable may block (e.g. a subprocess to gcloud): keep it off the event loop,
                # in a daemon thread so a stuck one cannot hold up asyncio.run() at exit.
                value = await await_future(
                    start_thread(provider, "openai-vertex-token-provider"), budget.total
                )
                if inspect.isawaitable(value):
                    value = await within(value, budget.total)
        except (asyncio.TimeoutError, TimeoutError):
            raise CredentialsError(
                f"token_provider did not return a token within {budget.total:g} s, the request's timeout."
            ) from None
        return validate_token(value)

    def token_after_rejection(self, rejected: str, budget: Budget = NO_BUDGET) -> str:
        return self.token(budget)

    async def atoken_after_rejection(self, rejected: str, budget: Budget = NO_BUDGET) -> str:
        return await self.atoken(budget)

    def project(self) -> str | None:
        return None

    def quota_project(self) -> str | None:
        return None


_registry_lock = threading.Lock()
_by_credentials: weakref.WeakKeyDictionary[Any, CredentialsTokenSource] = weakref.WeakKeyDictionary()
_by_adc_environment: dict[tuple[str | None, ...], CredentialsTokenSource] = {}
# What google.auth.default() looks at; a change means a different credential, hence another source.
_ADC_ENVIRONMENT = (
    "GOOGLE_APPLICATION_CREDENTIALS",
    "CLOUDSDK_CONFIG",
    "GCE_METADATA_HOST",
    "GCE_METADATA_IP",
)


def token_source_for(credentials: Credentials | None, token_provider: TokenProvider | None) -> TokenSource:
    """The process-wide token source for this credential source (created on first use)."""
    if credentials is not None and token_provider is not None:
        raise ConfigurationError("Pass either credentials= or token_provider=, not both.")
    if token_provider is not None:
        return ProviderTokenSource(token_provider)
    with _registry_lock:
        if credentials is not None:
            source = _by_credentials.get(credentials)
            if source is None:
                source = CredentialsTokenSource(_scoped(credentials), label=type(credentials).__name__)
                _by_credentials[credentials] = source
            return source
        key = tuple(os.environ.get(name) for name in _ADC_ENVIRONMENT)
        source = _by_adc_environment.get(key)
        if source is None:
            source = CredentialsTokenSource(None, label="application default credentials")
            _by_adc_environment[key] = source
        return source


def _scoped(credentials: Credentials) -> Credentials:
    from google.auth.credentials import with_scopes_if_required

    return with_scopes_if_required(credentials, [CLOUD_PLATFORM_SCOPE])  # type: ignore[no-any-return,no-untyped-call]


def _first_line(exc: BaseException) -> str:
    """google-auth's own message, first line, bounded; its extra args (response bodies) are left out."""
    text = str(exc.args[0]) if exc.args else type(exc).__name__
    return text.splitlines()[0][:300].rstrip(".") if text else type(exc).__name__
