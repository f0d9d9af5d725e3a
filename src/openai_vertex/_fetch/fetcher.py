"""An SSRF-safe fetcher that turns http(s) image URLs into ``data:`` URLs.

Fetching a caller-supplied URL from inside the caller's network is a server-side request forgery risk
(research/reliability.md R11 and §3.1), so the fetcher resolves each host once, refuses the host if any
answer is non-public, dials the vetted address itself, re-checks every redirect hop and caps the bytes
read and the time taken. Only the standard library is used, so behaviour does not depend on the
installed httpx. Which URLs are fetched at all is decided in ``images.py``, and which hosts and
addresses may be dialed in ``targets.py``.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import ipaddress
import logging
import math
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from urllib.parse import urljoin

from ..exceptions import ImageFetchError
from .sockets import Watchdog, open_socket
from .targets import IPAddress, Target, embedded_ipv4, is_public_address, parse_target, refused

__all__ = ["FetchLimits", "ImageFetcher"]

_log = logging.getLogger("openai_vertex")

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_MIB = 1024 * 1024


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int = 15 * _MIB  # per request, across all images (Vertex caps a request at 20 MB of base64)
    timeout: float = 10.0  # connect, and each read
    max_redirects: int = 5
    total_timeout: float = 30.0  # all images of one request, every redirect hop included

    def __post_init__(self) -> None:
        for name in ("max_bytes", "timeout", "total_timeout"):
            value = getattr(self, name)
            if not 0 < value < math.inf:  # NaN fails this too; inf would overflow the socket and timer waits
                raise ValueError(f"FetchLimits.{name} must be a positive finite number, not {value!r}")
        if self.max_redirects < 0:
            raise ValueError(f"FetchLimits.max_redirects must be 0 or more, not {self.max_redirects!r}")


_DEFAULT_LIMITS = FetchLimits()
# Deliberately no Authorization, Cookie or caller headers: this is not the Vertex client.
_HEADERS = {
    "User-Agent": "openai-vertex-image-fetcher",
    "Accept": "image/*",
    "Accept-Encoding": "identity",  # the bytes are inlined as they are; nothing decompresses them
    "Connection": "close",
}


# Fetches of one request at once in the sync client (the async one runs them in the loop's executor).
MAX_CONCURRENT_FETCHES = 8


@dataclass(frozen=True)
class _Deadline:
    """When every fetch of one request must be done, and how to say it was missed."""

    at: float
    overtime: str


@dataclass(frozen=True)
class _Redirect:
    location: str | None


class _Budget:
    """Bytes left for one request's images; shared by the threads of ``afetch_all``."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.aborted = False  # set when a sibling fetch failed: the others stop at their next chunk
        self._used = 0
        self._lock = threading.Lock()

    def remaining(self) -> int:
        return self.max_bytes - self._used  # an early check only; take() is the exact one

    def take(self, n: int) -> bool:
        with self._lock:
            self._used += n
            return self._used <= self.max_bytes


def _system_resolve(host: str, port: int) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _error(target: Target, reason: str) -> ImageFetchError:
    return refused(target.host, reason, target.origin)


def _size(n: int) -> str:
    return f"{n // _MIB} MB" if n % _MIB == 0 else f"{n} bytes"


class ImageFetcher:
    """Fetch http(s) images for inlining, refusing anything that is not a public image server."""

    def __init__(
        self,
        limits: FetchLimits = _DEFAULT_LIMITS,
        *,
        resolve: Callable[[str, int], list[str]] | None = None,
        is_allowed_address: Callable[[IPAddress], bool] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._limits = limits
        self._resolve = resolve or _system_resolve
        self._allowed = is_allowed_address or is_public_address
        self._ssl_context = ssl_context
        self._ssl_lock = threading.Lock()

    def fetch_all(self, urls: Sequence[str], within: float | None = None) -> dict[str, str]:
        """Map each URL to a ``data:`` URL, fetched concurrently (bounded) with one byte budget and one
        deadline for them all: ``FetchLimits.total_timeout``, or ``within`` seconds (the request's
        timeout) when that is sooner."""
        unique = list(dict.fromkeys(urls))
        budget = _Budget(self._limits.max_bytes)
        deadline = self._deadline(within)
        if len(unique) <= 1:
            return {url: self._fetch_one(url, budget, deadline) for url in unique}
        pool = ThreadPoolExecutor(min(MAX_CONCURRENT_FETCHES, len(unique)), "openai-vertex-image")
        try:
            results = list(pool.map(lambda url: self._fetch_one(url, budget, deadline), unique))
        except BaseException:
            budget.aborted = True  # the first failure is the answer; the others stop at their next chunk
            raise
        finally:
            pool.shutdown(wait=False, cancel_futures=True)  # never wait for the siblings of a failure
        return dict(zip(unique, results, strict=True))

    async def afetch_all(self, urls: Sequence[str], within: float | None = None) -> dict[str, str]:
        """Like :meth:`fetch_all`, in the event loop's worker threads, so the loop never blocks."""
        unique = list(dict.fromkeys(urls))
        budget = _Budget(self._limits.max_bytes)
        deadline = self._deadline(within)
        fetches = (asyncio.to_thread(self._fetch_one, url, budget, deadline) for url in unique)
        try:
            results = await asyncio.gather(*fetches)
        except BaseException:
            budget.aborted = True  # threads cannot be cancelled; make them stop early instead
            raise
        return dict(zip(unique, results, strict=True))

    def _deadline(self, within: float | None) -> _Deadline:
        total = self._limits.total_timeout
        if within is not None and within < total:
            overtime = f"took longer than {within:g} s (the request's timeout)"
            return _Deadline(time.monotonic() + within, overtime)
        return _Deadline(time.monotonic() + total, f"took longer than {total:g} s (total limit)")

    def _fetch_one(self, url: str, budget: _Budget, deadline: _Deadline) -> str:
        target = parse_target(url)
        for hop in range(self._limits.max_redirects + 1):
            addresses = self._vet(target, deadline)  # every hop is vetted like the first
            result = self._get(target, addresses, budget, deadline)
            if not isinstance(result, _Redirect):
                return result
            if hop == self._limits.max_redirects:
                break  # name the host that sent the redirect too many, without following it
            target = self._follow(target, result.location)
        raise _error(target, f"sent too many redirects (more than {self._limits.max_redirects})")

    def _vet(self, target: Target, deadline: _Deadline) -> list[IPAddress]:
        """Resolve once and refuse the host if any answer is not allowed (mixed answers included)."""
        if target.literal is not None:
            answers = [target.literal]
        else:
            found = self._resolve_by(target, deadline)
            try:
                answers = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
            except ValueError:
                raise _error(target, "could not be resolved") from None
        if not answers:
            raise _error(target, "could not be resolved")
        if not all(self._is_allowed(ip) for ip in answers):
            raise _error(target, "resolves to a non-public address")
        return list(dict.fromkeys(answers))

    def _resolve_by(self, target: Target, deadline: _Deadline) -> list[str]:
        """The resolver's answer, waited for until the deadline only: a lookup cannot be cancelled, so
        it runs in a daemon thread that a stuck resolver keeps, not the request."""
        outcome: list[list[str] | BaseException] = []
        done = threading.Event()

        def resolve() -> None:
            try:
                outcome.append(self._resolve(target.host, target.port))
            except BaseException as exc:  # handed to the waiting thread, which raises it
                outcome.append(exc)
            done.set()

        threading.Thread(target=resolve, name="openai-vertex-dns", daemon=True).start()
        if not done.wait(max(0.0, deadline.at - time.monotonic())):
            raise _error(target, deadline.overtime)
        if isinstance(outcome[0], (OSError, UnicodeError, ValueError)):
            raise _error(target, "could not be resolved") from None
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    def _is_allowed(self, ip: IPAddress) -> bool:
        embedded = embedded_ipv4(ip)  # also applied around a caller's predicate, which may forget it
        return self._allowed(ip) and (embedded is None or self._allowed(embedded))

    def _follow(self, target: Target, location: str | None) -> Target:
        if not location:
            raise _error(target, "sent a redirect without a Location")
        try:
            new = parse_target(
                urljoin(f"{target.scheme}://{target.authority}{target.path}", location.strip())
            )
        except ImageFetchError as exc:
            raise _error(target, f"redirected to a refused URL: {exc}") from None
        if target.scheme == "https" and new.scheme == "http":
            raise _error(target, "redirected from https to http")
        _log.debug("image fetch from %s redirected to %s", target.host, new.host)
        return replace(new, origin=target.origin or target.host)

    def _get(
        self, target: Target, addresses: list[IPAddress], budget: _Budget, deadline: _Deadline
    ) -> str | _Redirect:
        """One hop, cut off when the image's total time runs out; a hop that was cut never returns data."""
        overtime = deadline.overtime
        left = deadline.at - time.monotonic()
        if left <= 0:
            raise _error(target, overtime)
        watchdog = Watchdog(deadline.at)
        try:
            result = self._request(target, addresses, budget, min(self._limits.timeout, left), watchdog)
        except ImageFetchError:
            # A cut read fails in whatever way it happens to; a connect given only the time left times out.
            if watchdog.fired or time.monotonic() >= deadline.at:
                raise _error(target, overtime) from None
            raise
        if watchdog.fired:  # the cut may also have ended the body early without an error: never use it
            raise _error(target, overtime)
        return result

    def _request(
        self,
        target: Target,
        addresses: list[IPAddress],
        budget: _Budget,
        connect_timeout: float,
        watchdog: Watchdog,
    ) -> str | _Redirect:
        timeout = self._limits.timeout
        try:
            conn = self._connect(target, addresses, connect_timeout, watchdog)
            try:
                return self._exchange(conn, target, budget)
            finally:
                watchdog.stop()  # first: a late cut must not reach a closed, perhaps reused, descriptor
                conn.close()
        except ImageFetchError:
            raise
        except TimeoutError:
            raise _error(target, f"timed out (limit {timeout:g} s)") from None
        except ssl.SSLCertVerificationError:
            raise _error(target, "failed TLS certificate verification") from None
        except (OSError, http.client.HTTPException) as exc:  # the name only: str(exc) may carry the URL
            raise _error(target, f"could not be fetched ({type(exc).__name__})") from None

    def _connect(
        self, target: Target, addresses: list[IPAddress], connect_timeout: float, watchdog: Watchdog
    ) -> http.client.HTTPConnection:
        sock = open_socket(addresses, target.port, self._limits.timeout, connect_timeout)
        try:
            if target.scheme == "https":  # SNI and certificate check use the name, not the pinned IP
                sock = self._tls().wrap_socket(
                    sock, server_hostname=target.host, do_handshake_on_connect=False
                )
            watchdog.watch(sock)  # armed before the handshake: a server can drip-feed that too
            if isinstance(sock, ssl.SSLSocket):
                sock.do_handshake()
        except BaseException:
            watchdog.stop()
            sock.close()
            raise
        # http.client never reads proxy settings, cookies or netrc; pre-setting sock makes it use the
        # vetted connection instead of resolving the host again (DNS rebinding).
        conn = http.client.HTTPConnection(target.host, target.port, timeout=self._limits.timeout)
        conn.sock = sock
        return conn

    def _exchange(self, conn: http.client.HTTPConnection, target: Target, budget: _Budget) -> str | _Redirect:
        _log.debug("fetching image from %s", target.host)
        conn.request("GET", target.path, headers={**_HEADERS, "Host": target.authority})
        resp = conn.getresponse()
        if resp.status in _REDIRECTS:
            return _Redirect(resp.getheader("Location"))
        if resp.status != 200:
            raise _error(target, f"answered HTTP {resp.status}")
        declared = (resp.getheader("Content-Type") or "").split(";", 1)[0].strip().lower()
        if not declared.startswith("image/"):
            raise _error(target, "is not an image (Content-Type)")
        limit = f"exceeds the {_size(budget.max_bytes)} per-request limit"
        if resp.length is not None and resp.length > budget.remaining():
            raise _error(target, limit)  # refuse before reading a byte
        data = _read_capped(resp, budget, target, limit)
        mime = _sniff(data)
        if mime is None:
            raise _error(target, "is not an image (content)")
        _log.debug("fetched image from %s: %d bytes, %s", target.host, len(data), mime)
        return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"

    def _tls(self) -> ssl.SSLContext:
        with self._ssl_lock:  # built lazily: loading the CA bundle costs milliseconds
            if self._ssl_context is None:
                self._ssl_context = ssl.create_default_context()
            return self._ssl_context


def _read_capped(resp: http.client.HTTPResponse, budget: _Budget, target: Target, limit: str) -> bytes:
    """Read in chunks, stopping as soon as the request's total passes the cap (at most one chunk over)."""
    chunks: list[bytes] = []
    while chunk := resp.read1(_CHUNK):  # read1: whatever has arrived, so abort checks are not delayed
        if budget.aborted:
            raise _error(target, "was abandoned because another image of the request failed")
        if not budget.take(len(chunk)):
            raise _error(target, limit)
        chunks.append(chunk)
    return b"".join(chunks)


_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})


def _sniff(data: bytes) -> str | None:
    """MIME type from magic bytes: Content-Type is only what the server claims."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:2] == b"BM" and int.from_bytes(data[14:18], "little") in (12, 40, 52, 56, 64, 108, 124):
        return "image/bmp"  # "BM" alone is too weak; also require a known DIB header size
    if data[4:8] == b"ftyp":  # ISO media file: the major brand names the format
        brand = data[8:12]
        if brand in _HEIC_BRANDS:
            return "image/heic"
        if brand in (b"avif", b"avis") or (brand in (b"mif1", b"msf1") and b"avif" in data[16:64]):
            return "image/avif"
        if brand in (b"mif1", b"msf1"):
            return "image/heif"
    return None
