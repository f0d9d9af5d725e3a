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
from typing import TYPE_CHECKING, Any, Protocol

from .exceptions import ConfigurationError, CredentialsError

if TYPE_CHECKING:
    from google.auth.credentials import Credentials

__all__ = ["TokenProvider", "TokenSource", "token_source_for"]

log = logging.getLogger("openai_vertex")

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
# A token that is already stale when it arrives (the server granted less than google-auth's 3m45s
# refresh threshold, as a metadata server does near the end of its own cache) is used for this long
# before asking again; otherwise every request would refresh (google-auth issues #581 and #863).
STALE_ON_ARRIVAL_COOLDOWN_SECONDS = 30.0

TokenProvider = Callable[[], str | Awaitable[str]]

NO_CREDENTIALS_HELP = (
    "Fix it with one of: run 'gcloud auth application-default login'; set GOOGLE_APPLICATION_CREDENTIALS "
    "to a service-account key file; or pass credentials= (google-auth Credentials) or token_provider= to "
    "the client. Off Google Cloud, set NO_GCE_CHECK=true to skip the slow metadata-server probe."
)


class TokenSource(Protocol):
    def token(self) -> str: ...
    async def atoken(self) -> str: ...
    def token_after_rejection(self, rejected: str) -> str: ...
    async def atoken_after_rejection(self, rejected: str) -> str: ...
    def project(self) -> str | None: ...
    def quota_project(self) -> str | None: ...


def validate_token(token: object) -> str:
    """A bearer token must be a clean header value: printable ASCII without spaces (no CRLF injection)."""
    if not isinstance(token, str) or not token or any(not 33 <= ord(ch) <= 126 for ch in token):
        raise CredentialsError(
            "The Google access token is not a valid bearer token (empty, or contains spaces, control "
            "or non-ASCII characters); check your token_provider or credentials."
        )
    return token


class CredentialsTokenSource:
    """Tokens from a google-auth ``Credentials`` (given, or found by ADC on first use)."""

    def __init__(self, credentials: Credentials | None, *, label: str) -> None:
        self._credentials = credentials
        self._adc_project: str | None = None
        self._label = label
        self._lock = threading.Lock()
        self._inflight: Future[str] | None = None
        self._stale_on_arrival_at = float("-inf")
        self._transport: Any = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._label}>"

    def token(self) -> str:
        current = self._usable_token()
        if current is not None:
            return current
        future, owner = self._start_or_join(rejected=None)
        if owner:
            self._refresh_into(future)
        return future.result()

    async def atoken(self) -> str:
        current = self._usable_token()
        if current is not None:
            return current
        return await self._await_refresh(rejected=None)

    def token_after_rejection(self, rejected: str) -> str:
        future, owner = self._start_or_join(rejected=rejected)
        if owner:
            self._refresh_into(future)
        return future.result()

    async def atoken_after_rejection(self, rejected: str) -> str:
        return await self._await_refresh(rejected=rejected)

    def project(self) -> str | None:
        return self._adc_project

    def quota_project(self) -> str | None:
        creds = self._credentials
        return getattr(creds, "quota_project_id", None) if creds is not None else None

    async def _await_refresh(self, *, rejected: str | None) -> str:
        future, owner = self._start_or_join(rejected=rejected)
        if owner:
            # Not awaited on purpose: the worker completes `future` even if this task is cancelled,
            # so the next caller joins a finished refresh instead of starting another.
            asyncio.get_running_loop().run_in_executor(None, self._refresh_into, future)
        return await asyncio.wrap_future(future)

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

    def _start_or_join(self, *, rejected: str | None) -> tuple[Future[str], bool]:
        with self._lock:
            current = self._usable_token()
            # A rejected token forces a refresh, unless another caller already replaced it.
            if current is not None and (rejected is None or current != rejected):
                done: Future[str] = Future()
                done.set_result(current)
                return done, False
            if self._inflight is not None:
                return self._inflight, False
            future: Future[str] = Future()
            # RUNNING futures cannot be cancelled, so a cancelled waiter never cancels the refresh.
            future.set_running_or_notify_cancel()
            self._inflight = future
            return future, True

    def _refresh_into(self, future: Future[str]) -> None:
        try:
            token = self._refresh()
        except BaseException as exc:  # every outcome must complete the future
            with self._lock:
                self._inflight = None
            future.set_exception(exc)
            return
        with self._lock:
            if self._credentials is not None and self._credentials.token_state.name == "STALE":
                self._stale_on_arrival_at = time.monotonic()
            self._inflight = None
        future.set_result(token)

    def _refresh(self) -> str:
        from google.auth import exceptions as gexc
        from google.auth.transport.requests import Request

        try:
            if self._transport is None:
                self._transport = Request()
            if self._credentials is None:
                self._credentials = self._discover()
            log.debug("refreshing Google access token (%s)", type(self._credentials).__name__)
            self._credentials.refresh(self._transport)  # type: ignore[no-untyped-call]
        except gexc.DefaultCredentialsError as exc:
            raise CredentialsError(
                f"No usable Google credentials: {_first_line(exc)}. {NO_CREDENTIALS_HELP}"
            ) from None
        except gexc.GoogleAuthError as exc:
            raise CredentialsError(
                f"Google refused to issue an access token ({type(exc).__name__}: {_first_line(exc)}). "
                "Check that the credentials are current (for user credentials run "
                "'gcloud auth application-default login' again) and that the service account still exists."
            ) from None
        token = validate_token(self._credentials.token)
        log.debug("Google access token refreshed; expires at %s UTC", self._credentials.expiry)
        return token

    def _discover(self) -> Credentials:
        import google.auth

        credentials, project = google.auth.default(scopes=[CLOUD_PLATFORM_SCOPE], request=self._transport)
        self._adc_project = project
        log.debug("Application Default Credentials found: %s", type(credentials).__name__)
        return credentials


class ProviderTokenSource:
    """Tokens from a user callable, asked on every attempt (the callable does its own caching)."""

    def __init__(self, provider: TokenProvider) -> None:
        if not callable(provider):
            raise ConfigurationError("token_provider must be a callable that returns an access token string.")
        self._provider = provider

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def token(self) -> str:
        value = self._provider()
        if inspect.isawaitable(value):
            if inspect.iscoroutine(value):
                value.close()
            raise ConfigurationError(
                "token_provider returned an awaitable; OpenAI needs a plain callable "
                "(use an async one with AsyncOpenAI)."
            )
        return validate_token(value)

    async def atoken(self) -> str:
        provider = self._provider
        if inspect.iscoroutinefunction(provider) or inspect.iscoroutinefunction(type(provider).__call__):
            value: object = await provider()  # type: ignore[misc]
        else:
            # A plain callable may block (e.g. a subprocess to gcloud): keep it off the event loop.
            value = await asyncio.to_thread(provider)
            if inspect.isawaitable(value):
                value = await value
        return validate_token(value)

    def token_after_rejection(self, rejected: str) -> str:
        return self.token()

    async def atoken_after_rejection(self, rejected: str) -> str:
        return await self.atoken()

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
