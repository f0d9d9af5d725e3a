"""Bounding a Google token fetch by the timeout of the request that needs the token.

google-auth gives every token-endpoint call its own 120 s default and retries on top of that, so a
token endpoint that accepts and never answers would hold a request for minutes whatever ``timeout=``
says. Here a refresh runs in a daemon thread under a :class:`Budget` taken from the request: every
HTTP call google-auth makes is cut to what is left of it (`BoundedRequest`), and callers stop waiting
when it is spent. Daemon threads, not an executor: ``asyncio.run()`` and interpreter exit join
executor threads, and an abandoned refresh must never keep them from finishing.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future
from typing import Any, NamedTuple, TypeVar
from urllib.parse import urlsplit

__all__ = [
    "BoundedRequest",
    "Budget",
    "DeadlineExceeded",
    "await_future",
    "endpoint_of",
    "running_future",
    "start_thread",
    "within",
]

_T = TypeVar("_T")
# google-auth's own per-call default (google/auth/transport/requests.py), kept when nothing is shorter.
_CALL_TIMEOUT = 120.0


class Budget(NamedTuple):
    """Seconds a token fetch may take in all (``total``), and to connect; None means no bound."""

    total: float | None = None
    connect: float | None = None

    @classmethod
    def of_request(cls, request: Any) -> Budget:
        """The budget of an httpx/httpx2 request: its read timeout (else the longest one it has)."""
        extensions = getattr(request, "extensions", None)
        timeout = extensions.get("timeout") if isinstance(extensions, Mapping) else None
        if not isinstance(timeout, Mapping):
            return cls()
        values = [v for v in timeout.values() if isinstance(v, (int, float))]
        read, connect = timeout.get("read"), timeout.get("connect")
        total = read if isinstance(read, (int, float)) else max(values, default=None)
        return cls(total, connect if isinstance(connect, (int, float)) else None)

    def deadline(self) -> float | None:
        return None if self.total is None else time.monotonic() + self.total


class DeadlineExceeded(Exception):
    """The budget ran out before google-auth's next call. Deliberately not a google-auth error, so its
    retry loops (which catch TransportError) stop at once instead of sleeping and trying again."""


def endpoint_of(url: object) -> str:
    """``scheme://host[:port]/path`` of a token-endpoint URL, for messages (the query is left out)."""
    parts = urlsplit(str(url))
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}{parts.path}" if parts.scheme else str(url)[:200]


class BoundedRequest:
    """google-auth's ``Request`` with every call limited to what is left before ``deadline``.

    ``endpoint`` is the last URL called: the one to name when the deadline passes.
    """

    def __init__(self, inner: Callable[..., Any], deadline: float | None, connect: float | None) -> None:
        self._inner = inner
        self.deadline = deadline
        self._connect = connect
        self.endpoint: str | None = None

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        timeout: Any = None,
        **kwargs: Any,
    ) -> Any:
        self.endpoint = endpoint_of(url)
        limit = float(timeout) if isinstance(timeout, (int, float)) else _CALL_TIMEOUT
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise DeadlineExceeded(self.endpoint)
            limit = min(limit, remaining)
        connect = min(self._connect, limit) if self._connect is not None else limit
        return self._inner(url, method=method, body=body, headers=headers, timeout=(connect, limit), **kwargs)


def running_future() -> Future[_T]:
    future: Future[_T] = Future()
    # RUNNING futures cannot be cancelled, so a waiter that gives up never cancels the work.
    future.set_running_or_notify_cancel()
    return future


def start_thread(fn: Callable[[], _T], name: str, future: Future[_T] | None = None) -> Future[_T]:
    """Run ``fn`` in a new daemon thread; its outcome lands in ``future`` (a new running one if None)."""
    if future is None:
        future = running_future()

    def run() -> None:
        try:
            result = fn()
        except BaseException as exc:  # every outcome must complete the future
            future.set_exception(exc)
        else:
            future.set_result(result)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


async def await_future(future: Future[_T], timeout: float | None) -> _T:
    """Wait for a thread's future from async code; raises TimeoutError after ``timeout`` seconds.

    Unlike ``asyncio.wrap_future`` this never touches a closed loop: a refresh that finishes after
    ``asyncio.run()`` returned just has nobody left to wake.
    """
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[None] = loop.create_future()

    def settle() -> None:
        if not waiter.done():
            waiter.set_result(None)

    def wake(_: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed
            loop.call_soon_threadsafe(settle)

    future.add_done_callback(wake)
    await within(waiter, timeout)
    return future.result()


async def within(awaitable: Awaitable[_T], timeout: float | None) -> _T:
    """``await awaitable``, raising TimeoutError after ``timeout`` seconds (None: no bound).

    Runs for every request of an async client, so on Python 3.11+ it is a timer on the current task
    (``asyncio.timeout``), not ``wait_for``, which there wraps a coroutine in a task of its own: one
    more task and one more loop iteration per request, a cost that grows with concurrency."""
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(timeout):
            return await awaitable
    return await asyncio.wait_for(awaitable, timeout)
