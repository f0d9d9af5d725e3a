"""Response bodies of our own that httpx and httpx2 accept: they iterate only their own stream types
(checked with isinstance), so each body class is given the sending library's base class, made once."""

from __future__ import annotations

__all__ = ["byte_stream_class"]

_classes: dict[tuple[type, type], type] = {}


def byte_stream_class(base: type, body: type) -> type:
    """``body`` as a subclass of ``base`` (``SyncByteStream`` / ``AsyncByteStream`` of httpx or httpx2)."""
    cls = _classes.get((base, body))
    if cls is None:
        cls = _classes.setdefault((base, body), type(body.__name__, (body, base), {}))
    return cls
