"""Compatibility warnings that point at the user's line, not at the SDK's internals."""

from __future__ import annotations

import sys
import warnings

from .exceptions import VertexCompatibilityWarning

__all__ = ["warn_compatibility"]

# Top-level packages between the user's call and our hook; their depth differs across openai releases.
_INTERNAL = frozenset(
    {"openai", "openai_vertex", "httpx", "httpx2", "asyncio", "anyio", "wrapt", "functools"}
)


def warn_compatibility(message: str) -> None:
    frame = sys._getframe(1)
    level = 2  # the caller of this function
    while frame.f_back is not None and frame.f_globals.get("__name__", "").partition(".")[0] in _INTERNAL:
        frame = frame.f_back
        level += 1
    warnings.warn(message, VertexCompatibilityWarning, stacklevel=level)
