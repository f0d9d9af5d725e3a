"""Where the image fetcher may go: URLs parsed into vetted targets, and which addresses are public.

A target's host is validated (ASCII, lower-case, canonical numeric forms only), so it is safe to name in
errors and logs; its path and query never are. ``fetcher.py`` dials only what passes here.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass
from typing import TypeAlias
from urllib.parse import quote, urlsplit

from .._settings import DEFAULT_PORTS
from .._translate.images import _FETCH_SCHEMES, _scheme_error
from ..exceptions import ImageFetchError

__all__ = ["IPAddress", "Target", "embedded_ipv4", "is_public_address", "parse_target", "refused"]

IPAddress: TypeAlias = "ipaddress.IPv4Address | ipaddress.IPv6Address"

_log = logging.getLogger("openai_vertex")


# --------------------------------------------------------------------------- address policy

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
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
    embedded = embedded_ipv4(ip)
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
class Target:
    scheme: str
    host: str  # lower-case ASCII, no brackets, no trailing dot: safe to put in messages
    port: int
    path: str  # request target (path and query), percent-encoded
    literal: IPAddress | None
    origin: str = ""  # host of the URL the caller gave, when this target is a redirect hop

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def parse_target(url: str) -> Target:
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
        raise refused(host, "has port 0")
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
    return Target(scheme, host, port or DEFAULT_PORTS[scheme], path, literal)


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
            raise refused(host, "is a non-canonical numeric address") from None
        return host, ip4
    if host == "localhost" or host.endswith(".localhost"):  # RFC 6761: always loopback
        raise refused(host, "resolves to a non-public address")
    return host, None


def refused(host: str, reason: str, origin: str = "") -> ImageFetchError:
    """The one error shape: names the host (validated, so safe to print), never the path or query."""
    where = f"{host!r} (redirected from {origin!r})" if origin else repr(host)
    _log.debug("image fetch from %s refused: %s", host, reason)
    return ImageFetchError(f"image_url from host {where} {reason}")
