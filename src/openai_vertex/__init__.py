"""openai-vertex: code written for the OpenAI Python SDK, running on Gemini in Vertex AI.

``from openai_vertex import OpenAI`` instead of ``from openai import OpenAI``; everything else stays.
"""

from __future__ import annotations

import sys as _sys

from . import exceptions
from ._client import AsyncOpenAI, AsyncVertexOpenAI, OpenAI, VertexOpenAI
from ._fetch.fetcher import FetchLimits, ImageFetcher
from .exceptions import VertexCompatibilityWarning
from .patch import is_patched, patch, unpatch

__version__ = "0.1.0"

__all__ = [
    "AsyncOpenAI",
    "AsyncVertexOpenAI",
    "FetchLimits",
    "ImageFetcher",
    "OpenAI",
    "VertexCompatibilityWarning",
    "VertexOpenAI",
    "__version__",
    "exceptions",
    "is_patched",
    "patch",
    "unpatch",
]

# Environment-only mode (OPENAI_VERTEX=1) defers patching openai while this package imports it.
if "openai_vertex._startup" in _sys.modules:
    _sys.modules["openai_vertex._startup"].finish_pending()
