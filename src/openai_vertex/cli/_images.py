"""What the client would do with each image URL of a request, for ``openai-vertex translate``.

Offline, like the command: the decision to fetch or pass a URL through is the client's own
(``urls_to_inline``), and the checks made before any connection (``parse_target``, and the address
policy for a literal IP) are the fetcher's own; a host name is resolved, and its addresses checked,
only when the client really fetches it, so nothing here touches the network.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .._fetch.targets import is_public_address, parse_target, refused
from .._translate.images import ImageUrlMode, urls_to_inline
from ..exceptions import ImageFetchError

__all__ = ["ImagePlan", "image_plans"]

_PASSED = {"data": "a data: URL is already inline", "gs": "Vertex reads gs:// URLs itself"}


@dataclass(frozen=True)
class ImagePlan:
    url: str  # shortened for display: no query (signed URLs carry secrets there), no base64
    action: str  # "fetch", "pass through" or "refuse"
    reason: str

    def __str__(self) -> str:
        return f"image {self.url}: {self.action} ({self.reason})"


def image_plans(body: Mapping[str, Any], mode: ImageUrlMode) -> list[ImagePlan]:
    """One plan per distinct ``image_url`` in ``body``'s messages, in order."""
    return [_plan(url, mode) for url in dict.fromkeys(_image_urls(body))]


def _plan(url: str, mode: ImageUrlMode) -> ImagePlan:
    shown = _shown(url)
    part = {"type": "image_url", "image_url": {"url": url}}
    try:
        fetch = bool(urls_to_inline({"messages": [{"role": "user", "content": [part]}]}, mode))
    except ImageFetchError as exc:  # a scheme the client refuses (ftp:, file:, none)
        return ImagePlan(shown, "refuse", str(exc))
    if not fetch:
        scheme = url.strip().partition(":")[0].lower()
        why = _PASSED.get(scheme) or (
            "image_urls is 'passthrough'"
            if mode == "passthrough"
            else "Vertex fetches https URLs of media files itself"
        )
        return ImagePlan(shown, "pass through", why)
    try:
        target = parse_target(url)
        if target.literal is not None and not is_public_address(target.literal):
            raise refused(target.host, "resolves to a non-public address")  # the fetcher's own words
    except ImageFetchError as exc:
        return ImagePlan(shown, "refuse", str(exc))
    return ImagePlan(
        shown,
        "fetch",
        f"the client downloads it from {target.host} and sends it inline as a data: URL; "
        "the host must resolve to public addresses",
    )


def _image_urls(body: Mapping[str, Any]) -> Iterator[str]:
    messages = body.get("messages")
    for message in messages if isinstance(messages, list) else []:
        content = message.get("content") if isinstance(message, Mapping) else None
        for part in content if isinstance(content, list) else []:
            if isinstance(part, Mapping) and part.get("type") == "image_url":
                value = part.get("image_url")
                value = value.get("url") if isinstance(value, Mapping) else value  # or a bare string
                if isinstance(value, str):
                    yield value


def _shown(url: str) -> str:
    url = url.strip()
    if url.lower().startswith("data:"):
        return url[: url.find(",") + 1 or 40] + "..."  # the media type, not the bytes
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("?")[0][:100]
    shown = f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.netloc else url.split("?")[0]
    return shown[:100] + ("?..." if parts.query else "")
