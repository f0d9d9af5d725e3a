"""Which ``image_url``s to inline, and the request body rewritten with the ``data:`` URLs fetched for them.

Vertex fetches ``gs://`` and well-known media URLs itself; anything else reaches it as a ``data:`` URL.
The fetching itself, and its defences against server-side request forgery, live in ``_fetch/fetcher.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

from ..exceptions import ConfigurationError, ImageFetchError

__all__ = ["ImageUrlMode", "InlinedImage", "urls_to_inline", "with_inlined_images"]

ImageUrlMode = Literal["auto", "inline", "passthrough"]

_MODES = frozenset({"auto", "inline", "passthrough"})
_FETCH_SCHEMES = frozenset({"http", "https"})
_VERTEX_SCHEMES = frozenset({"gs", "data"})
# https URLs with these extensions are fetched by Vertex itself (vertex_compat.md §3.1 "Media").
_MEDIA_EXTENSIONS = frozenset(
    {"jpg", "jpeg", "png", "webp", "gif", "heic", "heif", "pdf", "mp3", "wav", "ogg", "flac", "aac", "m4a"}
    | {"mp4", "mov", "mpeg", "mpg", "avi", "wmv", "flv", "webm"}
)
_SCHEME_RE = re.compile(r"\s*([A-Za-z][A-Za-z0-9+.-]*):")


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


class InlinedImage(str):
    """A ``data:`` URL made from a fetched image: sent as it is, shown as a placeholder. openai 1.x and
    2.x log every request's options at DEBUG after ``_prepare_options``, where images are inlined, so
    without this the image's bytes would be in the user's log."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"'<image inlined by openai-vertex: {len(self)} characters>'"


def with_inlined_images(body: Mapping[str, Any], data_urls: Mapping[str, InlinedImage]) -> dict[str, Any]:
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


def _inline_message(message: Any, data_urls: Mapping[str, InlinedImage]) -> Any:
    content = message.get("content") if isinstance(message, Mapping) else None
    if not isinstance(content, (list, tuple)):
        return message
    parts = [_inline_part(part, data_urls) for part in content]
    if all(new is old for new, old in zip(parts, content, strict=True)):
        return message  # unchanged messages are shared, not copied
    return {**message, "content": parts}


def _inline_part(part: Any, data_urls: Mapping[str, InlinedImage]) -> Any:
    url = _image_url_of(part)
    if url is None or url not in data_urls:
        return part
    value = part["image_url"]
    new_value = {**value, "url": data_urls[url]} if isinstance(value, Mapping) else data_urls[url]
    return {**part, "image_url": new_value}
