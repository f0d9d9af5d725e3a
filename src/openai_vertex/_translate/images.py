"""Which ``image_url``s to inline, and an SSRF-safe fetcher that inlines them.

Vertex fetches ``gs://`` and well-known media URLs itself; anything else reaches it as a ``data:`` URL.
Fetching a caller-supplied URL from inside the caller's network is a server-side request forgery risk
(research/reliability.md R11 and §3.1), so the fetcher resolves each host once, refuses the host if any
answer is non-public, dials the vetted address itself, re-checks every redirect hop and caps the bytes read.
Only the standard library is used, so behaviour does not depend on the installed httpx.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeAlias
from urllib.parse import quote, urljoin, urlsplit

from ..exceptions import ConfigurationError, ImageFetchError

__all__ = [
    "FetchLimits",
    "ImageFetcher",
    "ImageUrlMode",
    "is_public_address",
    "urls_to_inline",
    "with_inlined_images",
]

ImageUrlMode = Literal["auto", "inline", "passthrough"]
IPAddress: TypeAlias = "ipaddress.IPv4Address | ipaddress.IPv6Address"

_log = logging.getLogger("openai_vertex")

_MODES = frozenset({"auto", "inline", "passthrough"})
_FETCH_SCHEMES = frozenset({"http", "https"})
_VERTEX_SCHEMES = frozenset({"gs", "data"})
# https URLs with these extensions are fetched by Vertex itself (vertex_compat.md §3.1 "Media").
_MEDIA_EXTENSIONS = frozenset(
    {"jpg", "jpeg", "png", "webp", "gif", "heic", "heif", "pdf", "mp3", "wav", "ogg", "flac", "aac", "m4a"}
    | {"mp4", "mov", "mpeg", "mpg", "avi", "wmv", "flv", "webm"}
)
_SCHEME_RE = re.compile(r"\s*([A-Za-z][A-Za-z0-9+.-]*):")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_MIB = 1024 * 1024


# --------------------------------------------------------------------------- deciding what to inline


def urls_to_inline(body: Mapping[str, Any], mode: ImageUrlMode) -> list[str]:
    """Return the distinct ``image_url`` URLs of ``body`` (in order) that must be fetched under ``mode``."""
    if mode not in _MODES:
        raise ConfigurationError(f"image_urls must be 'auto', 'inline' or 'passthrough', not {mode!r}")
    messages = body.get("messages")
    if not isinstance(messages, (list, tuple)):
        return []
    found: dict[str, None] = {}  # an ordered set
    for message in messages:  # runs on every request: `type(x) is dict` first skips the slower ABC check
        content = message.get("content") if type(message) is dict or isinstance(message, Mapping) else None
        if type(content) is str or not isinstance(content, (list, tuple)):
            continue
        for part in content:
            url = _image_url_of(part)
            if url is not None and url not in found and _must_fetch(url, mode):
                found[url] = None
    return list(found)


def with_inlined_images(body: Mapping[str, Any], data_urls: Mapping[str, str]) -> dict[str, Any]:
    """Return a new body whose image parts use ``data_urls[url]``; ``body`` itself is never mutated."""
    new_body = dict(body)
    messages = body.get("messages")
    if data_urls and isinstance(messages, (list, tuple)):
        new_body["messages"] = [_inline_message(message, data_urls) for message in messages]
    return new_body


def _image_url_of(part: object) -> str | None:
    if not (type(part) is dict or isinstance(part, Mapping)) or part.get("type") != "image_url":
        return None
    value = part.get("image_url")
    if isinstance(value, Mapping):  # {"url": ..., "detail": ...}; Google's samples send a bare string
        value = value.get("url")
    return value if isinstance(value, str) else None


def _must_fetch(url: str, mode: str) -> bool:
    match = _SCHEME_RE.match(url)
    scheme = match.group(1).lower() if match else ""
    if scheme in _VERTEX_SCHEMES:
        return False
    if scheme not in _FETCH_SCHEMES:
        raise _scheme_error(scheme)
    if mode == "passthrough":
        return False
    if mode == "inline" or scheme == "http":
        return True
    return not _has_media_extension(url)


def _has_media_extension(url: str) -> bool:
    try:
        name = urlsplit(url.strip()).path.rsplit("/", 1)[-1]
    except ValueError:  # malformed: let the fetcher refuse it with a proper message
        return False
    return "." in name and name.rsplit(".", 1)[-1].lower() in _MEDIA_EXTENSIONS


def _scheme_error(scheme: str) -> ImageFetchError:
    if not scheme:
        return ImageFetchError("image_url must be an https, http, gs or data URL; this one has no scheme")
    return ImageFetchError(f"image_url scheme {scheme[:20]!r} is not supported; use https, http, gs or data")


def _inline_message(message: Any, data_urls: Mapping[str, str]) -> Any:
    content = message.get("content") if isinstance(message, Mapping) else None
    if not isinstance(content, (list, tuple)):
        return message
    parts = [_inline_part(part, data_urls) for part in content]
    if all(new is old for new, old in zip(parts, content, strict=True)):
        return message  # unchanged messages are shared, not copied
    return {**message, "content": parts}


def _inline_part(part: Any, data_urls: Mapping[str, str]) -> Any:
    url = _image_url_of(part)
    if url is None or url not in data_urls:
        return part
    value = part["image_url"]
    new_value = {**value, "url": data_urls[url]} if isinstance(value, Mapping) else data_urls[url]
    return {**part, "image_url": new_value}


# --------------------------------------------------------------------------- address policy

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 transition form (mapped, NAT64, 6to4, Teredo, compatible) leads to."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(ip: IPAddress) -> bool:
    """Default policy: globally routable unicast only, judged on the IPv4 host a transition form reaches."""
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        if ip in _NAT64 or (isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None):
            return is_public_address(embedded)  # the packets really go to that IPv4 host
        if not is_public_address(embedded):
            return False
    # is_global alone is not enough: multicast counts as global, and older Pythons have wrong tables
    # (CVE-2024-4032), so every special-purpose flag is checked as well.
    flags = (
        ip.is_multicast,
        ip.is_reserved,
        ip.is_private,
        ip.is_loopback,
        ip.is_link_local,
        ip.is_unspecified,
    )
    site_local = isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local
    return ip.is_global and not any(flags) and not site_local


# --------------------------------------------------------------------------- URL parsing

_UNSAFE_CHARS = re.compile(r"[\x00-\x20\x7f\\]")  # urlsplit and browsers disagree on these: refuse them
_HOST_RE = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")  # a last label like this makes resolvers read IPv4


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # lower-case ASCII, no brackets, no trailing dot: safe to put in messages
    port: int
    path: str  # request target (path and query), percent-encoded
    literal: IPAddress | None
    origin: str = ""  # host of the URL the caller gave, when this target is a redirect hop

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == (443 if self.scheme == "https" else 80) else f"{host}:{self.port}"


def _parse_target(url: str) -> _Target:
    url = url.strip()
    if _UNSAFE_CHARS.search(url):
        raise ImageFetchError("image URL is malformed (spaces, control characters or backslashes)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ImageFetchError("image URL is malformed") from None  # the message could echo the URL
    scheme = parts.scheme.lower()
    if scheme not in _FETCH_SCHEMES:
        raise _scheme_error(scheme)
    if "@" in parts.netloc:  # user:password@host is a classic way to disguise the real host
        raise ImageFetchError("image URLs with a user name or password are refused")
    host, literal = _normalise_host(parts.hostname or "", bracketed="[" in parts.netloc)
    if port == 0:
        raise _refused(host, "has port 0")
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
    return _Target(scheme, host, port or (443 if scheme == "https" else 80), path, literal)


def _normalise_host(host: str, *, bracketed: bool) -> tuple[str, IPAddress | None]:
    if not host or "%" in host:  # no empty hosts, no IPv6 zone ids
        raise ImageFetchError("image URL has no valid host")
    if bracketed:
        try:
            ip6 = ipaddress.IPv6Address(host)
        except ValueError:
            raise ImageFetchError("image URL has no valid host") from None
        return str(ip6), ip6
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ImageFetchError("image URL has no valid host") from None
    host = host.lower()
    host = host[:-1] if host.endswith(".") else host  # "localhost." is "localhost"
    if len(host) > 253 or not _HOST_RE.fullmatch(host):
        raise ImageFetchError("image URL has no valid host")
    if _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
        # Resolvers read 2130706433, 0x7f000001, 127.1 and 0177.0.0.1 as 127.0.0.1. Only the canonical
        # dotted quad is accepted, so what we check is exactly what would be dialed.
        try:
            ip4 = ipaddress.IPv4Address(host)
        except ValueError:
            raise _refused(host, "is a non-canonical numeric address") from None
        return host, ip4
    if host == "localhost" or host.endswith(".localhost"):  # RFC 6761: always loopback
        raise _refused(host, "resolves to a non-public address")
    return host, None


# --------------------------------------------------------------------------- fetching


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int = 15 * _MIB  # per request, across all images (Vertex caps a request at 20 MB of base64)
    timeout: float = 10.0  # connect, and each read
    max_redirects: int = 5


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


def _error(target: _Target, reason: str) -> ImageFetchError:
    return _refused(target.host, reason, target.origin)


def _refused(host: str, reason: str, origin: str = "") -> ImageFetchError:
    """The one error shape: names the host (validated, so safe to print), never the path or query."""
    where = f"{host!r} (redirected from {origin!r})" if origin else repr(host)
    _log.debug("image fetch from %s refused: %s", host, reason)
    return ImageFetchError(f"image_url from host {where} {reason}")


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
        target = _parse_target(url)
        for hop in range(self._limits.max_redirects + 1):
            result = self._get(target, self._vet(target), budget)  # every hop is vetted like the first
            if not isinstance(result, _Redirect):
                return result
            if hop == self._limits.max_redirects:
                break  # name the host that sent the redirect too many, without following it
            target = self._follow(target, result.location)
        raise _error(target, f"sent too many redirects (more than {self._limits.max_redirects})")

    def _vet(self, target: _Target) -> list[IPAddress]:
        """Resolve once and refuse the host if any answer is not allowed (mixed answers included)."""
        if target.literal is not None:
            answers = [target.literal]
        else:
            try:
                answers = [
                    ipaddress.ip_address(a.split("%", 1)[0]) for a in self._resolve(target.host, target.port)
                ]
            except (OSError, UnicodeError, ValueError):
                raise _error(target, "could not be resolved") from None
        if not answers:
            raise _error(target, "could not be resolved")
        if not all(self._is_allowed(ip) for ip in answers):
            raise _error(target, "resolves to a non-public address")
        return list(dict.fromkeys(answers))

    def _is_allowed(self, ip: IPAddress) -> bool:
        embedded = _embedded_ipv4(ip)  # also applied around a caller's predicate, which may forget it
        return self._allowed(ip) and (embedded is None or self._allowed(embedded))

    def _follow(self, target: _Target, location: str | None) -> _Target:
        if not location:
            raise _error(target, "sent a redirect without a Location")
        try:
            new = _parse_target(
                urljoin(f"{target.scheme}://{target.authority}{target.path}", location.strip())
            )
        except ImageFetchError as exc:
            raise _error(target, f"redirected to a refused URL: {exc}") from None
        if target.scheme == "https" and new.scheme == "http":
            raise _error(target, "redirected from https to http")
        _log.debug("image fetch from %s redirected to %s", target.host, new.host)
        return replace(new, origin=target.origin or target.host)

    def _get(self, target: _Target, addresses: list[IPAddress], budget: _Budget) -> str | _Redirect:
        timeout = self._limits.timeout
        try:
            conn = self._connect(target, addresses)
            try:
                return self._exchange(conn, target, budget)
            finally:
                conn.close()
        except ImageFetchError:
            raise
        except TimeoutError:
            raise _error(target, f"timed out (limit {timeout:g} s)") from None
        except ssl.SSLCertVerificationError:
            raise _error(target, "failed TLS certificate verification") from None
        except (OSError, http.client.HTTPException) as exc:  # the name only: str(exc) may carry the URL
            raise _error(target, f"could not be fetched ({type(exc).__name__})") from None

    def _connect(self, target: _Target, addresses: list[IPAddress]) -> http.client.HTTPConnection:
        sock = _open_socket(addresses, target.port, self._limits.timeout)
        try:
            if target.scheme == "https":  # SNI and certificate check use the name, not the pinned IP
                sock = self._tls().wrap_socket(sock, server_hostname=target.host)
        except BaseException:
            sock.close()
            raise
        # http.client never reads proxy settings, cookies or netrc; pre-setting sock makes it use the
        # vetted connection instead of resolving the host again (DNS rebinding).
        conn = http.client.HTTPConnection(target.host, target.port, timeout=self._limits.timeout)
        conn.sock = sock
        return conn

    def _exchange(
        self, conn: http.client.HTTPConnection, target: _Target, budget: _Budget
    ) -> str | _Redirect:
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


def _open_socket(addresses: list[IPAddress], port: int, timeout: float) -> socket.socket:
    """Connect to the first reachable vetted address, all attempts within one ``timeout``."""
    deadline = time.monotonic() + timeout
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


def _read_capped(resp: http.client.HTTPResponse, budget: _Budget, target: _Target, limit: str) -> bytes:
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
