"""Tests for openai_vertex._translate.images: what to inline, and the SSRF-safe fetcher.

Every server here is local: a "public" image server on 127.0.0.1 (allowed through the fetcher's
``is_allowed_address`` hook) and a "target" server on 127.0.0.2 standing in for anything internal. Linux
loopback answers the whole of 127.0.0.0/8, so the target is a real server that would answer if the
fetcher ever reached it; the tests assert it never sees a connection.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import datetime
import http.client
import ipaddress
import logging
import socket
import ssl
import struct
import threading
import time
import timeit
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from openai_vertex._fetch import fetcher as image_fetch
from openai_vertex._fetch.fetcher import FetchLimits, ImageFetcher
from openai_vertex._fetch.targets import is_public_address
from openai_vertex._translate.images import InlinedImage, urls_to_inline, with_inlined_images
from openai_vertex.exceptions import ConfigurationError, ImageFetchError

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Route = Callable[[BaseHTTPRequestHandler], None]


def _png() -> bytes:
    """A valid 1x1 RGB PNG, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PNG = _png()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
SECRET = "SECRET-c4n4ry"


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


# --------------------------------------------------------------------------- local servers


class Server:
    """A threaded HTTP(S) server that records every connection and request it gets."""

    def __init__(self, host: str, tls: ssl.SSLContext | None = None) -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.connections: list[Any] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.scheme = "https" if tls else "http"
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                outer.requests.append((self.path, dict(self.headers)))
                route = outer.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    self.send_error(404)
                else:
                    route(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Httpd(ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self) -> Any:
                request = super().get_request()
                outer.connections.append(request[1])
                return request

            def handle_error(self, request: Any, client_address: Any) -> None:
                # A client that hangs up early (the fetcher's deadline tests) is expected, not news; the
                # default prints a traceback from this thread, and formatting it parses source files,
                # which on CPython 3.11.7 can break a test parsing in another thread (test_layout.py).
                pass

        self.httpd = Httpd((host, 0), Handler)
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.01,), daemon=True)
        self.thread.start()

    def url(self, path: str, host: str | None = None) -> str:
        return f"{self.scheme}://{host or self.host}:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def image(body: bytes = PNG, ctype: str = "image/png", delay: float = 0.0) -> Route:
    def route(h: BaseHTTPRequestHandler) -> None:
        time.sleep(delay)
        h.send_response(200)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return route


def redirect(location: str, status: int = 302) -> Route:
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        if location:
            h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return route


@pytest.fixture
def public() -> Iterator[Server]:
    server = Server("127.0.0.1")
    yield server
    server.close()


@pytest.fixture
def target() -> Iterator[Server]:
    """An internal service: serves a valid PNG, so reaching it would make a refused fetch succeed."""
    server = Server("127.0.0.2")
    server.routes["/img.png"] = image()
    yield server
    server.close()


@pytest.fixture
def dials(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every address the fetcher dials (a tripwire for addresses no local server listens on)."""
    seen: list[tuple[str, int]] = []
    real = socket.create_connection

    def recording(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        seen.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", recording)
    return seen


def allow_local(ip: IP) -> bool:
    """The default policy, plus 127.0.0.1 so the local "public" server can be used."""
    return ip == ipaddress.IPv4Address("127.0.0.1") or is_public_address(ip)


class Resolver:
    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.answers[host]


def fetcher(resolve: Callable[[str, int], list[str]] | None = None, **limits: Any) -> ImageFetcher:
    return ImageFetcher(
        FetchLimits(**limits), resolve=resolve or Resolver({}), is_allowed_address=allow_local
    )


def assert_untouched(target: Server, dials: list[tuple[str, int]]) -> None:
    assert target.connections == []
    assert target.requests == []
    assert all(host == "127.0.0.1" for host, _ in dials), dials


def bracket(address: str) -> str:
    return f"[{address}]" if ":" in address else address


# --------------------------------------------------------------------------- urls_to_inline


def body_with(*parts: Any, text_first: bool = True) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "system", "content": "be brief"}] if text_first else []
    messages.append({"role": "user", "content": [{"type": "text", "text": "look"}, *parts]})
    return {"model": "gemini-2.5-flash", "messages": messages}


def obj(url: str, detail: str = "high") -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url, "detail": detail}}


def bare(url: str) -> dict[str, Any]:
    return {"type": "image_url", "image_url": url}


CASES = [
    # url, fetched under auto, inline, passthrough
    ("gs://bucket/cat.jpg", False, False, False),
    ("data:image/png;base64,iVBORw0KGgo=", False, False, False),
    ("https://cdn.test/cat.jpg", False, True, False),
    ("https://cdn.test/cat.PNG?sig=1#x", False, True, False),
    ("https://cdn.test/clip.mp4", False, True, False),
    ("https://cdn.test/doc.pdf", False, True, False),
    ("https://cdn.test/render?id=7", True, True, False),
    ("https://cdn.test/cat.png.php", True, True, False),
    ("https://cdn.test/", True, True, False),
    ("HTTPS://cdn.test/photo", True, True, False),
    ("http://cdn.test/cat.jpg", True, True, False),
    ("http://cdn.test/photo", True, True, False),
]


@pytest.mark.parametrize("form", [obj, bare])
@pytest.mark.parametrize(("url", "auto", "inline", "passthrough"), CASES)
def test_urls_to_inline_table(
    form: Callable[[str], Any], url: str, auto: bool, inline: bool, passthrough: bool
) -> None:
    body = body_with(form(url))
    for mode, expected in (("auto", auto), ("inline", inline), ("passthrough", passthrough)):
        assert urls_to_inline(body, mode) == ([url] if expected else []), mode  # type: ignore[arg-type]


def test_urls_to_inline_distinct_in_order_across_messages() -> None:
    a, b, c = "https://h.test/a", "https://h.test/b", "http://h.test/c.png"
    body = body_with(obj(a), bare(b), obj(a))
    body["messages"].append({"role": "user", "content": [bare(c), obj(b), obj("gs://x/y.png")]})
    assert urls_to_inline(body, "auto") == [a, b, c]


@pytest.mark.parametrize("mode", ["auto", "inline", "passthrough"])
@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://h.test/a", "gopher://h.test:70/_x", "cat.png"])
def test_urls_to_inline_refuses_other_schemes(mode: str, url: str) -> None:
    with pytest.raises(ImageFetchError) as info:
        urls_to_inline(body_with(obj(url)), mode)  # type: ignore[arg-type]
    scheme = url.split(":", 1)[0]
    assert (f"'{scheme}'" in str(info.value)) if ":" in url else ("no scheme" in str(info.value))
    assert "passwd" not in str(info.value)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"messages": None},
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": None}]},
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "https://h.test/x"}]}]},
        {
            "messages": [
                {"role": "user", "content": [{"type": "image_url"}, {"type": "image_url", "image_url": 1}]}
            ]
        },
        {"messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "x"}}]}]},
    ],
)
def test_urls_to_inline_ignores_non_image_content(body: dict[str, Any]) -> None:
    assert urls_to_inline(body, "inline") == []


def test_urls_to_inline_rejects_unknown_mode() -> None:
    with pytest.raises(ConfigurationError, match="image_urls"):
        urls_to_inline({"messages": []}, "always")  # type: ignore[arg-type]


def test_urls_to_inline_does_not_mutate() -> None:
    body = body_with(obj("https://h.test/a"), bare("http://h.test/b"))
    before = copy.deepcopy(body)
    urls_to_inline(body, "inline")
    assert body == before


def test_urls_to_inline_fast_path() -> None:
    body = {
        "model": "gemini-2.5-flash",
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "hello"},
            {"role": "assistant", "content": "hi"},
            {"role": "user", "content": [{"type": "text", "text": "and now?"}]},
        ],
    }
    runs = 20_000
    per_call = min(timeit.repeat(lambda: urls_to_inline(body, "auto"), number=runs, repeat=3)) / runs
    assert per_call < 10e-6, f"{per_call * 1e6:.2f} µs"  # a couple of µs here; generous for slow CI


# --------------------------------------------------------------------------- with_inlined_images


def test_with_inlined_images_replaces_both_forms_and_keeps_fields() -> None:
    a, b = "https://h.test/a", "https://h.test/b"
    text_message = {"role": "system", "content": "be brief"}
    untouched = {"role": "user", "content": [obj("gs://x/y.png")]}
    body = {
        "model": "m",
        "temperature": 0,
        "messages": [text_message, untouched, {"role": "user", "content": [obj(a, "low"), bare(b), bare(a)]}],
    }
    before = copy.deepcopy(body)
    inlined = {a: InlinedImage("data:image/png;base64,QQ=="), b: InlinedImage("data:image/jpeg;base64,Qg==")}
    out = with_inlined_images(body, inlined)
    assert body == before
    assert out is not body and out["messages"] is not body["messages"]
    assert out["model"] == "m" and out["temperature"] == 0
    assert out["messages"][0] is text_message
    assert out["messages"][1] is untouched
    assert out["messages"][2]["content"] == [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,QQ==", "detail": "low"}},
        {"type": "image_url", "image_url": "data:image/jpeg;base64,Qg=="},
        {"type": "image_url", "image_url": "data:image/png;base64,QQ=="},
    ]


def test_with_inlined_images_without_matches_shares_everything() -> None:
    body = body_with(obj("https://h.test/a"))
    out = with_inlined_images(body, {"https://other.test/": InlinedImage("data:image/png;base64,QQ==")})
    assert out == body and out is not body
    assert all(new is old for new, old in zip(out["messages"], body["messages"], strict=True))
    assert with_inlined_images({"model": "m"}, {"x": InlinedImage("y")}) == {"model": "m"}


# --------------------------------------------------------------------------- address policy

PUBLIC = ["8.8.8.8", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]
BAD = [
    pytest.param("127.0.0.2", id="loopback"),
    pytest.param("::1", id="loopback6"),
    pytest.param("10.0.0.1", id="rfc1918-10"),
    pytest.param("172.16.5.4", id="rfc1918-172"),
    pytest.param("192.168.1.1", id="rfc1918-192"),
    pytest.param("169.254.169.254", id="metadata"),
    pytest.param("fe80::1", id="link-local6"),
    pytest.param("100.64.0.1", id="cgnat"),
    pytest.param("0.0.0.0", id="unspecified"),  # noqa: S104
    pytest.param("::", id="unspecified6"),
    pytest.param("224.0.1.1", id="multicast"),
    pytest.param("ff0e::1", id="multicast6"),
    pytest.param("240.0.0.1", id="reserved"),
    pytest.param("255.255.255.255", id="broadcast"),
    pytest.param("192.0.2.1", id="documentation"),
    pytest.param("fd00:ec2::254", id="ula"),
    pytest.param("fec0::1", id="site-local6"),
    pytest.param("::ffff:127.0.0.2", id="mapped-loopback"),
    pytest.param("::ffff:169.254.169.254", id="mapped-metadata"),
    pytest.param("::ffff:10.0.0.1", id="mapped-private"),
    pytest.param("64:ff9b::a9fe:a9fe", id="nat64-metadata"),
    pytest.param("2002:7f00:2::", id="6to4-loopback"),
    pytest.param("2002:a9fe:a9fe::1", id="6to4-metadata"),
    pytest.param("::127.0.0.2", id="ipv4-compatible"),
    pytest.param("2001:0:4136:e378:8000:63bf:80ff:fffd", id="teredo"),
]


@pytest.mark.parametrize("address", PUBLIC)
def test_is_public_address_accepts_public(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", BAD)
def test_is_public_address_refuses(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


# --------------------------------------------------------------------------- fetching: success


def test_fetch_png(public: Server) -> None:
    public.routes["/photo"] = image(PNG)
    url = public.url("/photo?size=small")
    assert fetcher().fetch_all([url, url]) == {url: data_url("image/png", PNG)}
    assert [path for path, _ in public.requests] == ["/photo?size=small"]


def test_data_url_uses_sniffed_type(public: Server) -> None:
    public.routes["/a"] = image(JPEG, ctype="image/png")
    assert fetcher().fetch_all([public.url("/a")]) == {public.url("/a"): data_url("image/jpeg", JPEG)}


def test_empty_list_fetches_nothing() -> None:
    assert fetcher().fetch_all([]) == {}


def test_sends_original_host_and_no_credentials(
    public: Server, target: Server, dials: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, target.url("/"))
    public.routes["/a"] = image()
    resolve = Resolver({"img.test": ["127.0.0.1"]})
    url = public.url("/a?x=1", host="img.test")
    assert fetcher(resolve).fetch_all([url]) == {url: data_url("image/png", PNG)}
    ((path, headers),) = public.requests
    assert path == "/a?x=1"
    assert headers["Host"] == f"img.test:{public.port}"
    assert not {"authorization", "cookie", "proxy-authorization"} & {h.lower() for h in headers}
    assert dials == [("127.0.0.1", public.port)]
    assert_untouched(target, dials)


def test_dns_is_resolved_once_per_hop(public: Server, target: Server, dials: list[Any]) -> None:
    """DNS rebinding: a second lookup would say 127.0.0.2, but the vetted first answer is what is dialed."""
    answers = iter([["127.0.0.1"], ["127.0.0.2"], ["127.0.0.2"]])
    calls: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    public.routes["/a"] = image()
    url = f"http://rebind.test:{public.port}/a"
    assert fetcher(rebinding).fetch_all([url]) == {url: data_url("image/png", PNG)}
    assert calls == ["rebind.test"]
    assert_untouched(target, dials)


def test_follows_redirects_up_to_the_limit(public: Server) -> None:
    public.routes["/1"] = redirect("/2", 301)
    public.routes["/2"] = redirect(public.url("/3", host="img.test"), 307)
    public.routes["/3"] = image()
    url = public.url("/1")
    result = fetcher(Resolver({"img.test": ["127.0.0.1"]}), max_redirects=2).fetch_all([url])
    assert result == {url: data_url("image/png", PNG)}
    assert public.requests[2][1]["Host"] == f"img.test:{public.port}"


async def test_afetch_all_is_concurrent_and_does_not_block_the_loop(public: Server) -> None:
    active, peak = 0, 0
    lock = threading.Lock()

    def slow(h: BaseHTTPRequestHandler) -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        try:
            image(delay=0.4)(h)
        finally:
            with lock:
                active -= 1

    urls = []
    for i in range(4):
        public.routes[f"/s{i}"] = slow
        urls.append(public.url(f"/s{i}"))
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    start = time.monotonic()
    result = await fetcher().afetch_all(urls)
    elapsed = time.monotonic() - start
    ticking.cancel()
    assert result == {url: data_url("image/png", PNG) for url in urls}
    assert peak > 1
    assert elapsed < 1.2, elapsed  # sequential would take 1.6 s
    assert ticks >= 10


async def test_afetch_all_raises_the_failure(public: Server) -> None:
    public.routes["/ok"] = image()
    with pytest.raises(ImageFetchError, match="HTTP 404"):
        await fetcher().afetch_all([public.url("/ok"), public.url("/missing")])


async def test_afetch_all_abandons_the_other_downloads_after_a_failure(public: Server) -> None:
    stopped = threading.Event()

    def trickle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "image/png")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        try:
            for _ in range(100):  # 5 s if nobody stops reading
                h.wfile.write(b"%x\r\n%s\r\n" % (len(PNG), PNG))
                time.sleep(0.05)
        except OSError:
            stopped.set()

    public.routes["/trickle"] = trickle
    with pytest.raises(ImageFetchError, match="HTTP 404"):
        await fetcher().afetch_all([public.url("/trickle"), public.url("/missing")])
    assert await asyncio.to_thread(stopped.wait, 2.0)


async def test_afetch_all_empty() -> None:
    assert await fetcher().afetch_all([]) == {}


# --------------------------------------------------------------------------- fetching: SSRF matrix


@pytest.mark.parametrize("address", BAD)
def test_refuses_literal_address(address: str, target: Server, dials: list[Any]) -> None:
    url = f"http://{bracket(address)}:{target.port}/img.png"
    with pytest.raises(ImageFetchError, match="non-public"):
        fetcher().fetch_all([url])
    assert_untouched(target, dials)


@pytest.mark.parametrize("address", BAD)
def test_refuses_name_resolving_to_address(address: str, target: Server, dials: list[Any]) -> None:
    resolve = Resolver({"evil.test": [address]})
    with pytest.raises(ImageFetchError, match=r"'evil.test' resolves to a non-public address"):
        fetcher(resolve).fetch_all([f"http://evil.test:{target.port}/img.png"])
    assert_untouched(target, dials)


@pytest.mark.parametrize("private_first", [True, False])
@pytest.mark.parametrize("address", BAD)
def test_refuses_mixed_answers(
    address: str, private_first: bool, public: Server, target: Server, dials: list[Any]
) -> None:
    public.routes["/img.png"] = image()  # dialing the allowed answer would succeed: it must not happen
    answers = [address, "127.0.0.1"] if private_first else ["127.0.0.1", address]
    with pytest.raises(ImageFetchError, match="non-public"):
        fetcher(Resolver({"evil.test": answers})).fetch_all([f"http://evil.test:{target.port}/img.png"])
    assert dials == []
    assert_untouched(target, dials)


@pytest.mark.parametrize("by_name", [False, True], ids=["literal", "name"])
@pytest.mark.parametrize("address", BAD)
def test_refuses_redirect_to_address(
    address: str, by_name: bool, public: Server, target: Server, dials: list[Any]
) -> None:
    host = "evil.test" if by_name else bracket(address)
    public.routes["/r"] = redirect(f"http://{host}:{target.port}/img.png")
    resolve = Resolver({"evil.test": [address]})
    with pytest.raises(ImageFetchError, match=r"\(redirected from '127.0.0.1'\) resolves to a non-public"):
        fetcher(resolve).fetch_all([public.url("/r")])
    assert len(public.requests) == 1
    assert_untouched(target, dials)


NUMERIC_FORMS = [
    "http://2130706434:{port}/img.png",  # 127.0.0.2 as one decimal number
    "http://0x7f000002:{port}/img.png",
    "http://0x7f.2:{port}/img.png",
    "http://127.2:{port}/img.png",
    "http://0177.0.0.2:{port}/img.png",
    "http://017700000002:{port}/img.png",
    "http://127.0.0.02:{port}/img.png",
    "http://0:{port}/img.png",
    "http://127.0.0.2:{port}/img.png",
    "http://127.0.0.2.:{port}/img.png",
    "http://[::ffff:7f00:2]:{port}/img.png",
    "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
    "http://[::1]:{port}/img.png",
    "http://[::]:{port}/img.png",
    "http://0.0.0.0:{port}/img.png",
    "http://localhost:{port}/img.png",
    "http://localhost.:{port}/img.png",
    "http://LOCALHOST:{port}/img.png",
    "http://img.localhost:{port}/img.png",
    "http://\uff11\uff12\uff17.\uff10.\uff10.\uff12:{port}/img.png",  # fullwidth digits: IDNA maps them
]


@pytest.mark.parametrize("form", NUMERIC_FORMS)
def test_refuses_numeric_and_local_host_forms_without_resolving(
    form: str, target: Server, dials: list[Any]
) -> None:
    resolve = Resolver({})  # would fail loudly; these must be decided without DNS
    with pytest.raises(ImageFetchError, match=r"non-canonical numeric|non-public"):
        fetcher(resolve).fetch_all([form.format(port=target.port)])
    assert resolve.calls == []
    assert_untouched(target, dials)


def test_refuses_metadata_name(target: Server, dials: list[Any]) -> None:
    resolve = Resolver({"metadata.google.internal": ["169.254.169.254"]})
    with pytest.raises(ImageFetchError, match=r"'metadata.google.internal' resolves to a non-public"):
        fetcher(resolve).fetch_all(["http://metadata.google.internal/computeMetadata/v1/"])
    assert dials == []


def test_default_policy_refuses_loopback_server(public: Server, dials: list[Any]) -> None:
    public.routes["/img.png"] = image()
    with pytest.raises(ImageFetchError, match="non-public"):
        ImageFetcher().fetch_all([public.url("/img.png")])
    assert public.connections == [] and dials == []


def test_caller_predicate_cannot_be_bypassed_by_embedded_ipv4(target: Server, dials: list[Any]) -> None:
    """A naive predicate still has the embedded IPv4 checked (64:ff9b::7f00:2 is 'global' on Python 3.11)."""
    naive = ImageFetcher(is_allowed_address=lambda ip: ip.version == 6, resolve=Resolver({}))
    with pytest.raises(ImageFetchError, match="non-public"):
        naive.fetch_all([f"http://[64:ff9b::7f00:2]:{target.port}/img.png"])
    assert_untouched(target, dials)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "scheme 'file'"),
        ("ftp://img.test/a.png", "scheme 'ftp'"),
        ("gopher://img.test:70/_GET", "scheme 'gopher'"),
        ("gs://bucket/a.png", "scheme 'gs'"),
        ("//img.test/a.png", "no scheme"),
        ("http://user:pw@img.test/a.png", "user name or password"),
        ("http://img.test@127.0.0.2/img.png", "user name or password"),
        ("http:///a.png", "no valid host"),
        ("http://", "no valid host"),
        ("http://:80/a.png", "no valid host"),
        ("http://[::1/a.png", "malformed"),
        ("http://[fe80::1%25eth0]/a.png", "no valid host"),
        ("http://img.test:99999/a.png", "malformed"),
        ("http://img.test:0/a.png", "port 0"),
        ("http://img test/a.png", "malformed"),
        ("http://img.test\\@127.0.0.2/a.png", "malformed"),
        ("http://img..test/a.png", "no valid host"),
        ("http://img.test\r\nX-Injected: 1/a.png", "malformed"),
    ],
)
def test_refuses_bad_urls(url: str, message: str, dials: list[Any]) -> None:
    resolve = Resolver({})
    with pytest.raises(ImageFetchError, match=message):
        fetcher(resolve).fetch_all([url])
    assert resolve.calls == [] and dials == []


# --------------------------------------------------------------------------- fetching: limits and content


def test_refuses_too_many_redirects(public: Server) -> None:
    public.routes["/loop"] = redirect("/loop")
    with pytest.raises(ImageFetchError, match=r"too many redirects \(more than 2\)"):
        fetcher(max_redirects=2).fetch_all([public.url("/loop")])
    assert len(public.requests) == 3


def test_refuses_redirect_without_location_or_to_other_scheme(public: Server) -> None:
    public.routes["/none"] = redirect("")
    public.routes["/file"] = redirect("file:///etc/passwd")
    with pytest.raises(ImageFetchError, match="without a Location"):
        fetcher().fetch_all([public.url("/none")])
    with pytest.raises(ImageFetchError, match=r"redirected to a refused URL: .*scheme 'file'"):
        fetcher().fetch_all([public.url("/file")])


def test_refuses_large_content_length_before_reading(public: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    def huge(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "image/png")
        h.send_header("Content-Length", str(16 * 1024 * 1024))
        h.end_headers()
        h.wfile.write(PNG)

    public.routes["/huge"] = huge
    read = count_body_reads(monkeypatch)
    with pytest.raises(ImageFetchError, match=r"'127.0.0.1' exceeds the 15 MB per-request limit"):
        ImageFetcher(is_allowed_address=allow_local).fetch_all([public.url("/huge")])
    assert read == []


def count_body_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Sizes of the body reads the fetcher makes (http.client's read and read1)."""
    sizes: list[int] = []
    for name in ("read", "read1"):
        real = getattr(http.client.HTTPResponse, name)

        def counting(self: http.client.HTTPResponse, amt: int = -1, _real: Any = real) -> bytes:
            data: bytes = _real(self, amt)
            sizes.append(len(data))
            return data

        monkeypatch.setattr(http.client.HTTPResponse, name, counting)
    return sizes


def test_stops_reading_a_growing_chunked_body_at_the_cap(
    public: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = 0

    def endless(h: BaseHTTPRequestHandler) -> None:
        nonlocal sent
        h.send_response(200)
        h.send_header("Content-Type", "image/png")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        piece = PNG + b"\0" * (16384 - len(PNG))
        try:
            for _ in range(4096):  # 64 MiB at most, if nobody stopped reading
                h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                sent += len(piece)
        except OSError:
            pass

    public.routes["/endless"] = endless
    cap = 100_000
    read = count_body_reads(monkeypatch)
    with pytest.raises(ImageFetchError, match="exceeds the 100000 bytes per-request limit"):
        fetcher(max_bytes=cap).fetch_all([public.url("/endless")])
    assert cap < sum(read) <= cap + image_fetch._CHUNK


@pytest.mark.parametrize("use_async", [False, True])
async def test_byte_budget_is_shared_by_the_request(public: Server, use_async: bool) -> None:
    body = PNG + b"\0" * (600 - len(PNG))
    public.routes["/a"] = image(body)
    public.routes["/b"] = image(body)
    urls = [public.url("/a"), public.url("/b")]
    f = fetcher(max_bytes=1000)
    with pytest.raises(ImageFetchError, match="exceeds the 1000 bytes per-request limit"):
        await f.afetch_all(urls) if use_async else f.fetch_all(urls)
    assert len(f.fetch_all(urls[:1])[urls[0]]) > 800  # each fetch_all call gets a fresh budget


@pytest.mark.parametrize(
    ("body", "ctype"),
    [
        (PNG, "text/html"),
        (PNG, "application/octet-stream"),
        (PNG, ""),
        (b"<html><body>hello</body></html>", "image/png"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
        (b"BMW owners club", "image/bmp"),
        (b"", "image/png"),
    ],
)
def test_refuses_non_images(public: Server, body: bytes, ctype: str) -> None:
    public.routes["/x"] = image(body, ctype)
    with pytest.raises(ImageFetchError, match="is not an image"):
        fetcher().fetch_all([public.url("/x")])


@pytest.mark.parametrize(
    ("body", "mime"),
    [
        (b"GIF89a\x01\x00\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"BM" + b"\0" * 12 + (40).to_bytes(4, "little") + b"\0" * 8, "image/bmp"),
        (b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", "image/heic"),
        (b"\0\0\0\x18ftypmif1\0\0\0\0mif1heic", "image/heif"),
        (b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf", "image/avif"),
    ],
)
def test_sniffs_other_formats(public: Server, body: bytes, mime: str) -> None:
    public.routes["/x"] = image(body, "image/x-anything")
    assert fetcher().fetch_all([public.url("/x")]) == {public.url("/x"): data_url(mime, body)}


def test_reports_http_status(public: Server) -> None:
    with pytest.raises(ImageFetchError, match="answered HTTP 404"):
        fetcher().fetch_all([public.url("/missing")])


def test_times_out_when_the_server_never_answers() -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshake; nobody ever reads or answers
    try:
        start = time.monotonic()
        with pytest.raises(ImageFetchError, match=r"timed out \(limit 0.3 s\)"):
            fetcher(timeout=0.3).fetch_all([f"http://127.0.0.1:{silent.getsockname()[1]}/a.png"])
        assert time.monotonic() - start < 3
    finally:
        silent.close()


def test_times_out_on_a_stalled_body(public: Server) -> None:
    def stall(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "image/png")
        h.send_header("Content-Length", "1000")
        h.end_headers()
        h.wfile.write(PNG[:10])
        time.sleep(1.5)

    public.routes["/stall"] = stall
    with pytest.raises(ImageFetchError, match="timed out"):
        fetcher(timeout=0.3).fetch_all([public.url("/stall")])


def drip(body: bytes, *, head_at_once: bool, body_at_once: int = 0, every: float = 0.2) -> Route:
    """A valid image response sent one byte every ``every`` s, after the status line or the first bytes."""
    status = b"HTTP/1.1 200 OK\r\n"
    head = status + b"Content-Type: image/png\r\nContent-Length: %d\r\n\r\n" % len(body)
    raw = head + body
    at_once = len(head) + body_at_once if head_at_once else len(status)

    def route(h: BaseHTTPRequestHandler) -> None:
        h.close_connection = True
        try:
            h.wfile.write(raw[:at_once])
            for i in range(at_once, len(raw)):
                time.sleep(every)  # well inside the per-read timeout, so only a total limit can stop this
                h.wfile.write(raw[i : i + 1])
        except OSError:
            pass  # the fetcher hung up

    return route


@pytest.mark.parametrize(
    ("head_at_once", "body_at_once"),
    # The body case sends the PNG signature up front, so a fetch that kept the bytes it had when the
    # connection was cut would "succeed" with a truncated image.
    [(True, 16), (False, 0)],
    ids=["body", "headers"],
)
def test_total_timeout_cuts_a_drip_fed_response(
    public: Server, head_at_once: bool, body_at_once: int
) -> None:
    # About 10 to 20 s in all if nothing stops it.
    public.routes["/drip.png"] = drip(PNG, head_at_once=head_at_once, body_at_once=body_at_once)
    start = time.monotonic()
    with pytest.raises(ImageFetchError, match=r"'127.0.0.1' took longer than 1 s \(total limit\)"):
        fetcher(timeout=1.0, total_timeout=1.0).fetch_all([public.url("/drip.png")])
    assert 0.9 < time.monotonic() - start < 2.5


def test_a_slow_but_short_response_is_fetched_with_the_defaults(public: Server) -> None:
    gif = b"GIF89a"  # enough for the magic-byte check; dripped in about 1.2 s
    public.routes["/drip.gif"] = drip(gif, head_at_once=True)
    url = public.url("/drip.gif")
    assert fetcher().fetch_all([url]) == {url: data_url("image/gif", gif)}


def test_total_timeout_covers_each_hop_s_dns_lookup(public: Server) -> None:
    def slow_resolve(host: str, port: int) -> list[str]:
        time.sleep(5)  # a stuck resolver: the fetch must not wait for it
        return ["127.0.0.1"]

    public.routes["/r"] = redirect(public.url("/a.png", host="slow.test"))
    public.routes["/a.png"] = image()
    with pytest.raises(
        ImageFetchError, match=r"'slow.test' \(redirected from '127.0.0.1'\) took longer than 0.5 s"
    ):
        start = time.monotonic()
        fetcher(slow_resolve, total_timeout=0.5).fetch_all([public.url("/r")])
    assert time.monotonic() - start < 2.5
    assert [path for path, _ in public.requests] == ["/r"]


def test_a_resolver_error_is_reported_as_unresolvable() -> None:
    def failing(host: str, port: int) -> list[str]:
        raise socket.gaierror("no such host")

    with pytest.raises(ImageFetchError, match=r"'nowhere\.test' could not be resolved"):
        fetcher(failing).fetch_all(["http://nowhere.test/a.png"])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_bytes", 0),
        ("max_bytes", -1),
        ("timeout", 0.0),
        ("timeout", float("nan")),
        ("total_timeout", -1.0),
        ("total_timeout", float("inf")),
        ("max_redirects", -1),
    ],
)
def test_fetch_limits_refuse_invalid_values(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=rf"FetchLimits\.{field} must be"):
        FetchLimits(**{field: value})
    assert FetchLimits(max_redirects=0).max_redirects == 0


def test_connection_refused_is_reported() -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(ImageFetchError, match=r"could not be fetched \(ConnectionRefusedError\)"):
        fetcher().fetch_all([f"http://127.0.0.1:{port}/a.png"])


def test_unresolvable_name() -> None:
    with pytest.raises(ImageFetchError, match=r"'nowhere.test' could not be resolved"):
        fetcher(Resolver({"nowhere.test": []})).fetch_all(["http://nowhere.test/a"])
    with pytest.raises(ImageFetchError, match=r"'nowhere.test' could not be resolved"):
        fetcher(Resolver({})).fetch_all(["http://nowhere.test/a"])


# --------------------------------------------------------------------------- secrets in errors and logs


def test_errors_and_logs_name_the_host_but_not_the_query(
    public: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="openai_vertex")
    public.routes["/ok"] = image()
    public.routes["/html"] = image(b"<html>", "image/png")
    public.routes["/r"] = redirect(f"http://evil.test:1/x?sig={SECRET}-2")
    public.routes["/loop"] = redirect(f"/loop?sig={SECRET}-3")
    q = f"?sig={SECRET}#frag-{SECRET}"
    resolve = Resolver({"evil.test": ["10.0.0.1"]})
    failing = [
        (public.url("/html" + q), "127.0.0.1"),
        (public.url("/missing" + q), "127.0.0.1"),
        (public.url("/r" + q), "evil.test"),
        (public.url("/loop" + q), "127.0.0.1"),
        (f"http://evil.test/a.png{q}", "evil.test"),
        (f"http://0x7f000001/a.png{q}", "0x7f000001"),
    ]
    for url, host in failing:
        with pytest.raises(ImageFetchError) as info:
            fetcher(resolve, max_redirects=1).fetch_all([url])
        assert host in str(info.value)
        assert SECRET not in str(info.value) and SECRET not in repr(info.value)
        assert info.value.__cause__ is None
        assert info.value.__context__ is None or info.value.__suppress_context__
    fetcher().fetch_all([public.url("/ok" + q)])
    assert public.requests[-1][0] == f"/ok?sig={SECRET}"  # the query does reach the image server
    logged = [r.getMessage() for r in caplog.records] + [repr(r.args) for r in caplog.records]
    assert any("127.0.0.1" in m for m in logged)
    assert all(SECRET not in m and "iVBOR" not in m for m in logged)
    assert all(r.levelno == logging.DEBUG for r in caplog.records)


# --------------------------------------------------------------------------- https


@pytest.fixture(scope="module")
def tls() -> tuple[ssl.SSLContext, ssl.SSLContext, list[str | None]]:
    """(server context with a self-signed cert for img.test, client context trusting it, SNI names seen)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "img.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("img.test")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        with open(f"{tmp}/cert.pem", "wb") as f:
            f.write(cert_pem)
        with open(f"{tmp}/key.pem", "wb") as f:
            f.write(key_pem)
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(f"{tmp}/cert.pem", f"{tmp}/key.pem")
    sni: list[str | None] = []
    server_ctx.sni_callback = lambda sock, server_name, ctx: sni.append(server_name)
    client_ctx = ssl.create_default_context(cadata=cert_pem.decode())
    return server_ctx, client_ctx, sni


@pytest.fixture
def secure(tls: tuple[ssl.SSLContext, ssl.SSLContext, list[str | None]]) -> Iterator[Server]:
    server = Server("127.0.0.1", tls=tls[0])
    yield server
    server.close()


def tls_fetcher(client_ctx: ssl.SSLContext, **answers: list[str]) -> ImageFetcher:
    resolve = Resolver({name.replace("_", "."): ips for name, ips in answers.items()})
    return ImageFetcher(resolve=resolve, is_allowed_address=allow_local, ssl_context=client_ctx)


def test_https_pins_ip_but_verifies_the_name(secure: Server, tls: Any) -> None:
    _, client_ctx, sni = tls
    secure.routes["/a"] = image()
    url = secure.url("/a?sig=1", host="img.test")
    assert tls_fetcher(client_ctx, img_test=["127.0.0.1"]).fetch_all([url]) == {
        url: data_url("image/png", PNG)
    }
    assert sni[-1] == "img.test"
    assert secure.requests[-1][1]["Host"] == f"img.test:{secure.port}"


def test_https_refuses_a_certificate_for_another_name(secure: Server, tls: Any) -> None:
    secure.routes["/a"] = image()
    with pytest.raises(ImageFetchError, match=r"'other.test' failed TLS certificate verification"):
        tls_fetcher(tls[1], other_test=["127.0.0.1"]).fetch_all([secure.url("/a", host="other.test")])
    assert secure.requests == []


def test_https_refuses_default_trust_for_a_self_signed_cert(secure: Server) -> None:
    secure.routes["/a"] = image()
    f = ImageFetcher(resolve=Resolver({"img.test": ["127.0.0.1"]}), is_allowed_address=allow_local)
    with pytest.raises(ImageFetchError, match="TLS certificate verification"):
        f.fetch_all([secure.url("/a", host="img.test")])


def test_https_refuses_downgrade_redirect(secure: Server, public: Server, tls: Any) -> None:
    public.routes["/a"] = image()
    secure.routes["/r"] = redirect(public.url("/a"))
    with pytest.raises(ImageFetchError, match="redirected from https to http"):
        tls_fetcher(tls[1], img_test=["127.0.0.1"]).fetch_all([secure.url("/r", host="img.test")])
    assert public.requests == []


def test_total_timeout_cuts_a_drip_fed_https_response(secure: Server, tls: Any) -> None:
    secure.routes["/drip.png"] = drip(PNG, head_at_once=True, body_at_once=16)
    f = ImageFetcher(
        FetchLimits(timeout=1.0, total_timeout=1.0),
        resolve=Resolver({"img.test": ["127.0.0.1"]}),
        is_allowed_address=allow_local,
        ssl_context=tls[1],
    )
    start = time.monotonic()
    with pytest.raises(ImageFetchError, match=r"'img.test' took longer than 1 s \(total limit\)"):
        f.fetch_all([secure.url("/drip.png", host="img.test")])
    assert time.monotonic() - start < 2.5


def test_total_timeout_covers_the_tls_handshake() -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the TCP handshake completes; the TLS handshake is never answered
    try:
        start = time.monotonic()
        with pytest.raises(ImageFetchError, match=r"took longer than 0.5 s \(total limit\)"):
            fetcher(timeout=5.0, total_timeout=0.5).fetch_all(
                [f"https://127.0.0.1:{silent.getsockname()[1]}/a"]
            )
        assert time.monotonic() - start < 2.5  # the 5 s read timeout did not have to expire
    finally:
        silent.close()
