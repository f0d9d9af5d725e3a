"""A connection error whose cause is an unresolvable Vertex host, reworded to name the location.

The SDK reports every transport failure as ``APIConnectionError("Connection error.")`` after its
retries. When the host does not resolve, the likely fault is the location (a region missing from
Google's DNS, or a proxy/VPC without googleapis.com), so the message says which host and location.
"""

from __future__ import annotations

import socket
from typing import NoReturn
from urllib.parse import urlsplit

import openai

from ._settings import Settings

__all__ = ["raise_naming_location", "renamed_connection_error"]


def renamed_connection_error(error: BaseException, settings: Settings) -> openai.APIConnectionError | None:
    """A clearer APIConnectionError when ``error`` is a DNS failure for ``settings``' host, else None."""
    if not isinstance(error, openai.APIConnectionError) or not _is_dns_failure(error):
        return None
    host = urlsplit(settings.base_url).hostname or ""
    message = (
        f"Connection error: the Vertex host {host!r} (location {settings.location!r}) does not "
        "resolve. Check the location (vertex_location= or GOOGLE_CLOUD_LOCATION) is one that serves "
        "Gemini, or set OPENAI_VERTEX_BASE_URL if you reach Vertex through a proxy or Private Service "
        "Connect endpoint."
    )
    return openai.APIConnectionError(message=message, request=error.request)


def raise_naming_location(error: openai.APIConnectionError, settings: Settings | None) -> NoReturn:
    """Raise ``error`` again (from an ``except`` block), reworded when it is a DNS failure."""
    renamed = None if settings is None else renamed_connection_error(error, settings)
    if renamed is None:
        raise error
    raise renamed from error


def _is_dns_failure(error: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return True
        text = str(current)
        # httpx/httpcore keep only the text of getaddrinfo's error in some versions.
        if any(s in text for s in ("Name or service not known", "nodename nor servname", "getaddrinfo")):
            return True
        if "Temporary failure in name resolution" in text or "No address associated" in text:
            return True
        current = current.__cause__ or current.__context__
    return False
