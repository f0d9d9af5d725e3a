"""Serve, in-process, the OpenAI APIs that Vertex has no OpenAI-compatible endpoint for.

`serve` wraps the transports of the openai client's HTTP client (``_transport`` and every mounted
proxy transport; httpx on openai 1.x/2.x, httpx2 or a legacy httpx client on 3.x). A request whose
URL is a registered API root plus a routed path (e.g. ``POST …/endpoints/openapi/embeddings``) goes to
the route's handler instead of the network; everything else passes through untouched.

The handler runs *below* the SDK: it gets the request after ``_prepare_request`` attached the Google
token and pinned the origin, sends whatever Vertex requests it needs through the inner transport with
the same headers, and answers with the JSON (or streamed body) OpenAI would have sent. The SDK's
retries, status errors, parsing and streaming, and the 401-refresh auth flow, all work as for chat.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .._settings import DEFAULT_PORTS
from .._stream_types import byte_stream_class

__all__ = ["AsyncCall", "Call", "Route", "SyncCall", "serve"]

# Concurrent inner requests per served call (threads in the sync client, tasks in the async one).
MAX_CONCURRENCY = 8
_JSON = {"content-type": "application/json"}
_DROPPED_HEADERS = ("content-length", "content-type", "transfer-encoding")
_DROPPED_RAW_HEADERS = tuple(name.encode() for name in _DROPPED_HEADERS)


@dataclass(frozen=True)
class Route:
    """``method`` + ``path`` (relative to the API root; ``{name}`` = one segment, ``{name*}`` = the rest).

    ``prepare(options, state)`` (optional) runs in the SDK's ``_prepare_options`` hook, before any
    request: validate and rewrite ``options.json_data`` there and raise a TranslationError for bad input.
    ``handle(call)`` serves a sync client, ``ahandle(call)`` an async one; both return ``call.respond…``.
    """

    method: str
    path: str
    handle: Callable[[SyncCall], Any]
    ahandle: Callable[[AsyncCall], Awaitable[Any]]
    prepare: Callable[[Any, Any], None] | None = None

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        found = _compiled(self.path).fullmatch(path)
        return None if found is None else found.groupdict()


def _compiled(template: str) -> re.Pattern[str]:
    pattern = _patterns.get(template)
    if pattern is None:
        parts = re.split(r"\{(\w+)(\*?)\}", template)
        regex = ""
        for i in range(0, len(parts), 3):
            regex += re.escape(parts[i])
            if i + 1 < len(parts):
                regex += f"(?P<{parts[i + 1]}>{'.+' if parts[i + 2] else '[^/]+'})"
        pattern = _patterns.setdefault(template, re.compile(regex))
    return pattern


_patterns: dict[str, re.Pattern[str]] = {}
# Parsed inner URLs: parsing one is a good part of building a request, and a client sends the same
# few again and again (its chat URL for every Responses call). httpx's URLs are immutable.
_urls: dict[tuple[str, str], Any] = {}
_MAX_URLS = 256


def _parsed_url(lib: Any, url: str) -> Any:
    key = (lib.__name__, url)
    parsed = _urls.get(key)
    if parsed is None:
        if len(_urls) >= _MAX_URLS:
            _urls.clear()
        parsed = _urls[key] = lib.URL(url)
    return parsed


class Call:
    """One served request: what the handler reads, and how it builds requests and responses."""

    def __init__(self, request: Any, route: Route, params: dict[str, str], root: str, state: Any) -> None:
        self.request = request
        self.route = route
        self.params = params
        self.root = root  # the API root as sent (ADC project filled in), no trailing slash
        self.state = state  # the client's shared Vertex state (``state.settings``)
        self._lib = sys.modules[type(request).__module__.partition(".")[0]]  # httpx or httpx2

    def json(self) -> Any:
        """The request body, parsed."""
        content = self.request.content
        return json.loads(content) if content else None

    def vertex_url(self, resource: str) -> str:
        """``{root without /endpoints/openapi}/{resource}``, e.g. ``publishers/google/models/m:predict``."""
        base = self.root.removesuffix("/endpoints/openapi")
        return f"{base}/{resource.lstrip('/')}"

    def build(self, method: str, url: str, body: Any = None, params: dict[str, str] | None = None) -> Any:
        """A request to ``url`` with this request's headers (the Google token) and timeouts."""
        headers = [(k, v) for k, v in self.request.headers.raw if k.lower() not in _DROPPED_RAW_HEADERS]
        kwargs: dict[str, Any] = {"headers": headers, "extensions": dict(self.request.extensions)}
        if body is not None:
            kwargs["content"] = json.dumps(body, separators=(",", ":")).encode()
            headers.append((b"content-type", b"application/json"))
        if params:
            kwargs["params"] = params
        return self._lib.Request(method, _parsed_url(self._lib, url), **kwargs)

    def respond(self, status: int, body: Any, headers: dict[str, str] | None = None) -> Any:
        """A complete JSON response, as the SDK expects it from the network."""
        content = json.dumps(body, separators=(",", ":")).encode()
        return self._lib.Response(status, headers={**_JSON, **(headers or {})}, content=content,
                                  request=self.request)  # fmt: skip

    def relay(self, response: Any) -> Any:
        """An inner (already read) response passed on as the answer, e.g. Vertex's error."""
        headers = {k: v for k, v in response.headers.items() if k.lower() not in _DROPPED_HEADERS}
        return self._lib.Response(response.status_code, headers=headers, content=response.content,
                                  request=self.request)  # fmt: skip


class SyncCall(Call):
    def __init__(self, inner: Any, *args: Any) -> None:
        super().__init__(*args)
        self._inner = inner

    def open(self, request: Any) -> Any:
        """Send through the inner transport, the body left unread (a stream); the caller closes it."""
        return self._inner.handle_request(request)

    def send(self, request: Any) -> Any:
        """Send through the inner transport; the response is read and closed."""
        response = self.open(request)
        try:
            response.read()
        finally:
            response.close()
        return response

    def send_all(self, requests: Sequence[Any]) -> list[Any]:
        """Send concurrently (bounded thread pool); responses in the order of ``requests``."""
        if len(requests) <= 1:
            return [self.send(r) for r in requests]
        with ThreadPoolExecutor(min(MAX_CONCURRENCY, len(requests)), "openai-vertex-served") as pool:
            return list(pool.map(self.send, requests))

    def respond_stream(
        self, status: int, chunks: Iterable[bytes], content_type: str, close: Callable[[], None] | None = None
    ) -> Any:
        """A streamed answer; closing it closes ``chunks`` (a generator) and calls ``close``."""
        body = _body_type(self._lib, False)(chunks, close)
        return self._lib.Response(status, headers={"content-type": content_type}, stream=body,
                                  request=self.request)  # fmt: skip


class AsyncCall(Call):
    def __init__(self, inner: Any, *args: Any) -> None:
        super().__init__(*args)
        self._inner = inner

    async def open(self, request: Any) -> Any:
        """Send through the inner transport, the body left unread (a stream); the caller closes it."""
        return await self._inner.handle_async_request(request)

    async def send(self, request: Any) -> Any:
        response = await self.open(request)
        try:
            await response.aread()
        finally:
            await response.aclose()
        return response

    async def send_all(self, requests: Sequence[Any]) -> list[Any]:
        """Send concurrently (at most MAX_CONCURRENCY at once); responses in order."""
        limit = asyncio.Semaphore(MAX_CONCURRENCY)

        async def one(request: Any) -> Any:
            async with limit:
                return await self.send(request)

        return list(await asyncio.gather(*(one(r) for r in requests)))

    def respond_stream(
        self,
        status: int,
        chunks: AsyncIterable[bytes],
        content_type: str,
        close: Callable[[], Awaitable[None]] | None = None,
    ) -> Any:
        """A streamed answer; closing it closes ``chunks`` (an async generator) and awaits ``close``."""
        body = _body_type(self._lib, True)(chunks, close)
        return self._lib.Response(status, headers={"content-type": content_type}, stream=body,
                                  request=self.request)  # fmt: skip


class _SyncBody:
    """A streamed answer's body whose ``close()`` ends it early. The SDK closes the response when its
    consumer stops (breaks out of the loop, closes the stream), before or after the first event; httpx's
    own iterator body would leave the generator suspended, holding the Vertex connection it reads from
    until garbage collection, so a pool of one connection would be stuck."""

    def __init__(self, chunks: Iterable[bytes], close: Callable[[], None] | None) -> None:
        self._chunks = chunks
        self._close = close

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._chunks)

    def close(self) -> None:
        try:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()  # a suspended generator runs its `finally` now
        finally:
            if self._close is not None:
                self._close()  # also when the generator never started, so never runs its `finally`


class _AsyncBody:
    """`_SyncBody` for the async client."""

    def __init__(self, chunks: AsyncIterable[bytes], close: Callable[[], Awaitable[None]] | None) -> None:
        self._chunks = chunks
        self._close = close

    def __aiter__(self) -> AsyncIterator[bytes]:
        return aiter(self._chunks)

    async def aclose(self) -> None:
        try:
            aclose = getattr(self._chunks, "aclose", None)
            if aclose is not None:
                await aclose()
        finally:
            if self._close is not None:
                await self._close()


def _body_type(lib: Any, is_async: bool) -> type:
    """The body class for ``lib`` (httpx or httpx2), whose responses only iterate its own stream types."""
    if is_async:
        return byte_stream_class(lib.AsyncByteStream, _AsyncBody)
    return byte_stream_class(lib.SyncByteStream, _SyncBody)


class _Roots:
    """API roots served through one HTTP client (copies share it), each with its routes and state."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[re.Pattern[str], Sequence[Route], Any]] = {}
        self.markers: frozenset[bytes] = frozenset()  # "/embeddings", ...: a cheap first filter

    def add(self, root: str, routes: Sequence[Route], state: Any) -> None:
        self.markers |= {"/".join(r.path.split("/", 2)[:2]).encode() for r in routes}
        # The ADC placeholder segment (projects/-/) is filled in per request, so any project matches.
        sent = _without_default_port(root.rstrip("/"))  # the root as request URLs carry it
        prefix = re.escape(sent).replace(re.escape("/projects/-/"), "/projects/[^/]+/")
        self.entries[root] = (re.compile(f"(?P<root>{prefix})(?P<rest>/.*)"), routes, state)

    def find(self, request: Any) -> tuple[Route, dict[str, str], str, Any] | None:
        url = request.url
        raw_path = url.raw_path
        if not any(marker in raw_path for marker in self.markers):
            return None  # e.g. chat completions: the common case stays a few substring checks
        here = f"{url.scheme}://{url.netloc.decode('ascii')}{url.path}"
        for pattern, routes, state in self.entries.values():
            found = pattern.fullmatch(here)
            if found is None:
                continue
            for route in routes:
                params = route.match(request.method, found["rest"])
                if params is not None:
                    return route, params, found["root"], state
        return None


def _without_default_port(root: str) -> str:
    """``https://host:443/v1/...`` -> ``https://host/v1/...``: httpx and httpx2 drop a scheme's default
    port from request URLs, so a root written with it must match in that form (the token's origin pin,
    ``Settings.origin``, already counts the default port as the same origin)."""
    parts = urlsplit(root)
    if parts.port is not None and parts.port == DEFAULT_PORTS.get(parts.scheme):
        return urlunsplit(parts._replace(netloc=parts.netloc.rsplit(":", 1)[0]))
    return root


class _RoutingTransport:
    def __init__(self, inner: Any, roots: _Roots) -> None:
        self.inner = inner
        self.roots = roots

    def handle_request(self, request: Any) -> Any:
        hit = self.roots.find(request)
        if hit is None:
            return self.inner.handle_request(request)
        route, params, root, state = hit
        return route.handle(SyncCall(self.inner, request, route, params, root, state))

    def close(self) -> None:
        self.inner.close()

    def __enter__(self) -> _RoutingTransport:
        self.inner.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.inner.__exit__(*exc)


class _AsyncRoutingTransport:
    def __init__(self, inner: Any, roots: _Roots) -> None:
        self.inner = inner
        self.roots = roots

    async def handle_async_request(self, request: Any) -> Any:
        hit = self.roots.find(request)
        if hit is None:
            return await self.inner.handle_async_request(request)
        route, params, root, state = hit
        return await route.ahandle(AsyncCall(self.inner, request, route, params, root, state))

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def __aenter__(self) -> _AsyncRoutingTransport:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.inner.__aexit__(*exc)


def serve(http_client: Any, root: str, routes: Sequence[Route], state: Any) -> None:
    """Route ``routes`` under ``root`` through ``http_client`` (the SDK's ``client._client``); idempotent.

    Works on a user-supplied ``http_client=`` too: only requests to ``root`` are intercepted.
    """
    wrapper = _AsyncRoutingTransport if hasattr(http_client, "aclose") else _RoutingTransport
    transport = getattr(http_client, "_transport", None)
    if transport is None:
        return  # not an httpx/httpx2 client: nothing we can route through
    roots = transport.roots if isinstance(transport, wrapper) else _Roots()
    roots.add(root, routes, state)
    if not isinstance(transport, wrapper):
        http_client._transport = wrapper(transport, roots)
    mounts = getattr(http_client, "_mounts", {})
    for pattern, mounted in list(mounts.items()):
        if mounted is not None and not isinstance(mounted, wrapper):
            mounts[pattern] = wrapper(mounted, roots)
