"""Inline the image URLs Vertex cannot fetch itself, once per URL per client.

Chat frameworks resend the whole history every turn, so the same image URL comes back again and
again; a small per-client cache (bounded in bytes) fetches it once. Policy (which URLs) lives in
``_translate/images.py``, safety (how they are fetched) in ``_fetch/fetcher.py``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from .._translate.images import ImageUrlMode, InlinedImage, urls_to_inline, with_inlined_images
from .fetcher import ImageFetcher

__all__ = ["ImageInliner", "seconds_of"]

CACHE_BYTES = 64 * 1024 * 1024


def seconds_of(timeout: object) -> float | None:
    """A request timeout as seconds: a number, or an httpx/httpx2 ``Timeout``'s read limit (the one that
    bounds a whole answer); None when there is none (``NotGiven``, or no limit)."""
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        return float(timeout)
    read = getattr(timeout, "read", None)
    return float(read) if isinstance(read, (int, float)) else None


class ImageInliner:
    def __init__(self, mode: ImageUrlMode, fetcher: ImageFetcher | None) -> None:
        self._mode = mode
        self._fetcher = fetcher
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, InlinedImage] = OrderedDict()
        self._cached_bytes = 0

    def __repr__(self) -> str:
        return f"<ImageInliner mode={self._mode!r} cached={len(self._cache)}>"

    def inline(self, body: Mapping[str, Any], timeout: object = None) -> Mapping[str, Any]:
        """``body`` with its images inlined; ``timeout`` is the request's (the SDK's value or NotGiven)."""
        urls = urls_to_inline(body, self._mode)
        if not urls:
            return body
        known, missing = self._lookup(urls)
        if missing:
            fetched = self._get_fetcher().fetch_all(missing, within=seconds_of(timeout))
            known.update(self._store(fetched))
        return with_inlined_images(body, known)

    async def ainline(self, body: Mapping[str, Any], timeout: object = None) -> Mapping[str, Any]:
        urls = urls_to_inline(body, self._mode)
        if not urls:
            return body
        known, missing = self._lookup(urls)
        if missing:
            fetched = await self._get_fetcher().afetch_all(missing, within=seconds_of(timeout))
            known.update(self._store(fetched))
        return with_inlined_images(body, known)

    def _get_fetcher(self) -> ImageFetcher:
        if self._fetcher is None:
            self._fetcher = ImageFetcher()
        return self._fetcher

    def _lookup(self, urls: list[str]) -> tuple[dict[str, InlinedImage], list[str]]:
        known: dict[str, InlinedImage] = {}
        missing: list[str] = []
        with self._lock:
            for url in urls:
                data_url = self._cache.get(url)
                if data_url is None:
                    missing.append(url)
                else:
                    self._cache.move_to_end(url)
                    known[url] = data_url
        return known, missing

    def _store(self, fetched: dict[str, str]) -> dict[str, InlinedImage]:
        """Cache the fetched data URLs, each made an `InlinedImage` once, here (the cache then hands out
        that one object to every later request)."""
        inlined = {url: InlinedImage(data_url) for url, data_url in fetched.items()}
        with self._lock:
            for url, data_url in inlined.items():
                if url not in self._cache and len(data_url) <= CACHE_BYTES:
                    self._cache[url] = data_url
                    self._cached_bytes += len(data_url)
            while self._cached_bytes > CACHE_BYTES:
                _, evicted = self._cache.popitem(last=False)
                self._cached_bytes -= len(evicted)
        return inlined
