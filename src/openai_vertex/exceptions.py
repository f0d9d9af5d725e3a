"""Errors raised by openai-vertex.

Every error derives from :class:`VertexOpenAIError` and from the builtin that fits it, so
``except ValueError`` in existing code keeps catching bad input. Messages name what to change
and never carry a token, a key or image bytes.
"""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "CredentialsError",
    "ImageFetchError",
    "TranslationError",
    "VertexCompatibilityWarning",
    "VertexOpenAIError",
]


class VertexOpenAIError(Exception):
    """Base class of every error raised by openai-vertex."""


class ConfigurationError(VertexOpenAIError, ValueError):
    """A setting (argument or environment variable) is missing or malformed."""


class CredentialsError(VertexOpenAIError, PermissionError):
    """No usable Google credentials, or the token endpoint refused them."""


class TranslationError(VertexOpenAIError, ValueError):
    """A request cannot be expressed for Vertex; the message says what to change."""


class ImageFetchError(VertexOpenAIError, OSError):
    """An ``image_url`` could not be fetched safely; the message names the host only."""


class VertexCompatibilityWarning(UserWarning):
    """A parameter was dropped or approximated because Vertex does not support it as sent."""
