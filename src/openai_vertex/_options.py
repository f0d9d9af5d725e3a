"""The Vertex options, named once: what ``patch()`` takes, and the Vertex part of the client's arguments.

``OpenAI(...)`` spells them out in its signature (beside openai's own arguments, which it passes on);
``patch(**options)`` takes exactly these, typed by :class:`VertexOptions`, and a test keeps the two
equal. :func:`given` is the one place that decides which were given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from google.auth.credentials import Credentials

    from ._fetch.fetcher import ImageFetcher
    from ._tokens import TokenProvider

__all__ = ["NOT_SETTINGS", "VertexOptions", "given"]


class VertexOptions(TypedDict, total=False):
    vertex_project: str | None
    vertex_location: str | None
    credentials: Credentials | None
    token_provider: TokenProvider | None
    api_version: str | None
    model_aliases: Mapping[str, str] | None
    unsupported_params: str | None
    image_urls: str | None
    image_fetcher: ImageFetcher | None
    base_url: str | None
    response_store: Any  # responses.*: a spec string or a store (_responses/store.py)


# The options that are not settings (``resolve_settings`` takes the others).
NOT_SETTINGS = ("credentials", "token_provider", "image_fetcher", "response_store")


def given(options: Mapping[str, Any], caller: str) -> dict[str, Any]:
    """The options given (None means "not given"), with ``model_aliases`` copied; unknown names refused."""
    unknown = sorted(set(options) - set(VertexOptions.__annotations__))
    if unknown:  # what Python says for an unknown keyword argument
        raise TypeError(f"{caller}() got an unexpected keyword argument {unknown[0]!r}")
    kept = {name: value for name, value in options.items() if value is not None}
    if "model_aliases" in kept:  # a copy: later edits of the caller's mapping change nothing
        kept["model_aliases"] = dict(kept["model_aliases"])
    return kept
