"""openai-vertex: code written for the OpenAI Python SDK, running on Gemini in Vertex AI.

``from openai_vertex import OpenAI`` instead of ``from openai import OpenAI``; everything else stays.
"""

from __future__ import annotations

from . import exceptions
from ._client import AsyncOpenAI, AsyncVertexOpenAI, OpenAI, VertexOpenAI
from .exceptions import VertexCompatibilityWarning

__version__ = "0.1.0"

__all__ = [
    "AsyncOpenAI",
    "AsyncVertexOpenAI",
    "OpenAI",
    "VertexCompatibilityWarning",
    "VertexOpenAI",
    "__version__",
    "exceptions",
]
