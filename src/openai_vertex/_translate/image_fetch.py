"""An SSRF-safe fetcher that turns http(s) image URLs into ``data:`` URLs.

Fetching a caller-supplied URL from inside the caller's network is a server-side request forgery risk
(research/reliability.md R11 and §3.1), so the fetcher resolves each host once, refuses the host if any
answer is non-public, dials the vetted address itself, re-checks every redirect hop and caps the bytes
read and the time taken. Only the standard library is used, so behaviour does not depend on the
installed httpx. Which URLs are fetched at all is decided in ``images.py``, and which hosts and
addresses may be dialed in ``image_targets.py``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import http.client
import ipaddress
import logging
import math
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urljoin

from ..exceptions import ImageFetchError
from .image_targets import IPAddress, Target, embedded_ipv4, is_public_address, parse_target, refused

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
    total_timeout: float = 30.0  # one image, every redirect hop included (bounds a drip-feeding server)

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

    def fetch_all(self, urls: Sequence[str]) -> dict[str, str]:
        """Map each URL to a ``data:`` URL, one after the other, within one shared byte budget."""
        budget = _Budget(self._limits.max_bytes)
        return {url: self._fetch_one(url, budget) for url in dict.fromkeys(urls)}

    async def afetch_all(self, urls: Sequence[str]) -> dict[str, str]:
        """Like :meth:`fetch_all`, but concurrently in worker threads, so the event loop never blocks."""
        unique = list(dict.fromkeys(urls))
        budget = _Budget(self._limits.max_bytes)
        try:
            results = await asyncio.gather(*(asyncio.to_thread(self._fetch_one, u, budget) for u in unique))
        except BaseException:
            budget.aborted = True  # threads cannot be cancelled; make them stop early instead
            raise
        return dict(zip(unique, results, strict=True))

    def _fetch_one(self, url: str, budget: _Budget) -> str:
        target = parse_target(url)
        deadline = time.monotonic() + self._limits.total_timeout
        for hop in range(self._limits.max_redirects + 1):
            addresses = self._vet(target, deadline)  # every hop is vetted like the first
            result = self._get(target, addresses, budget, deadline)
            if not isinstance(result, _Redirect):
                return result
            if hop == self._limits.max_redirects:
                break  # name the host that sent the redirect too many, without following it
            target = self._follow(target, result.location)
        raise _error(target, f"sent too many redirects (more than {self._limits.max_redirects})")

    def _vet(self, target: Target, deadline: float) -> list[IPAddress]:
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

    def _resolve_by(self, target: Target, deadline: float) -> list[str]:
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
        if not done.wait(max(0.0, deadline - time.monotonic())):
            raise _error(target, self._overtime())
        if isinstance(outcome[0], (OSError, UnicodeError, ValueError)):
            raise _error(target, "could not be resolved") from None
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    def _overtime(self) -> str:
        return f"took longer than {self._limits.total_timeout:g} s (total limit)"

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
        self, target: Target, addresses: list[IPAddress], budget: _Budget, deadline: float
    ) -> str | _Redirect:
        """One hop, cut off when the image's total time runs out; a hop that was cut never returns data."""
        overtime = self._overtime()
        left = deadline - time.monotonic()
        if left <= 0:
            raise _error(target, overtime)
        watchdog = _Watchdog(deadline)
        try:
            result = self._request(target, addresses, budget, min(self._limits.timeout, left), watchdog)
        except ImageFetchError:
            # A cut read fails in whatever way it happens to; a connect given only the time left times out.
            if watchdog.fired or time.monotonic() >= deadline:
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
        watchdog: _Watchdog,
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
        self, target: Target, addresses: list[IPAddress], connect_timeout: float, watchdog: _Watchdog
    ) -> http.client.HTTPConnection:
        sock = _open_socket(addresses, target.port, self._limits.timeout, connect_timeout)
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


def _open_socket(
    addresses: list[IPAddress], port: int, timeout: float, connect_timeout: float
) -> socket.socket:
    """Connect to the first reachable vetted address, all attempts within one ``connect_timeout``."""
    deadline = time.monotonic() + connect_timeout
    error: OSError = TimeoutError("connect timed out")
    for ip in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            sock = socket.create_connection((str(ip), port), timeout=remaining)
        except OSError as exc:
            error = exc
            continue
        sock.settimeout(timeout)  # each later read gets the full timeout
        return sock
    raise error


class _Watchdog:
    """Cuts a hop's connection at the image's deadline, so a read blocked on a slow server returns."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.fired = False
        self._timer: threading.Timer | None = None

    def watch(self, sock: socket.socket) -> None:
        self._timer = threading.Timer(self.deadline - time.monotonic(), self._cut, (sock,))
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer.join()  # a cut already under way finishes before the caller closes the socket

    def _cut(self, sock: socket.socket) -> None:
        self.fired = True
        # The plain socket's shutdown, also under TLS: SSLSocket.shutdown would drop the TLS state that
        # the reading thread is still using. Reads then see end of file or an error.
        with contextlib.suppress(OSError):  # the server may have closed it already
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


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
