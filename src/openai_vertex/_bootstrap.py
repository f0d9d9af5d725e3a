"""Where a patched client goes (:class:`Router`), and environment-only mode once ``openai`` is imported.

The interpreter start-up part is ``_startup.py`` (loaded by ``openai_vertex.pth`` only when
``OPENAI_VERTEX`` is set); from a post-import hook on ``openai`` it calls
``patch.patch_from_environment``, which builds a :class:`Router` from here. This module never imports
``patch``: the arrow points one way (patch -> _bootstrap).

Google documents a second, SDK-only route: ``OPENAI_BASE_URL`` set to a Vertex
``…/endpoints/openapi`` URL and ``OPENAI_API_KEY`` set to a short-lived access token. When openai is
patched, such a URL supplies the project, location and API version, and the static token is never
sent (Application Default Credentials refresh instead). Any other ``OPENAI_BASE_URL`` is ignored with
a warning: patched clients without an explicit ``base_url`` go to Vertex.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import openai

from ._client import _VertexState
from ._options import NOT_SETTINGS
from ._settings import Settings, resolve_settings
from ._tokens import token_source_for
from .exceptions import VertexOpenAIError

__all__ = [
    "OPENAI_HOST",
    "FailedRouter",
    "Router",
    "environment_route",
    "host_of",
    "unset",
    "vertex_url_options",
]

log = logging.getLogger("openai_vertex")

OPENAI_HOST = "api.openai.com"

# ":443" is https's default port, written out or not (the same origin; the routes match both).
_VERTEX_URL = re.compile(
    r"^https://(?:(?:(?P<host_location>[a-z0-9-]+)-)?aiplatform|aiplatform\.(?:us|eu)\.rep)\.googleapis\.com"
    r"(?::443)?/(?P<api_version>v1|v1beta1)/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
    r"/endpoints/openapi/?$"
)
# Settings an OPENAI_BASE_URL route would supply; any of them given explicitly wins over the route.
_ROUTE_OPTIONS = ("base_url", "vertex_project", "vertex_location", "api_version")


def vertex_url_options(url: object) -> dict[str, str] | None:
    """``base_url``, ``vertex_project``, ``vertex_location`` and ``api_version`` from a Vertex URL."""
    match = _VERTEX_URL.match(str(url).strip())
    if match is None:
        return None
    return {
        "base_url": str(url).strip().rstrip("/"),
        "vertex_project": match["project"],
        "vertex_location": match["location"],
        "api_version": match["api_version"],
    }


def environment_route(
    options: Mapping[str, object], environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The options ``OPENAI_BASE_URL`` adds under a patch; warns (once per call) when it is ignored."""
    env = os.environ if environ is None else environ
    url = env.get("OPENAI_BASE_URL", "").strip()
    if not url:
        return {}
    route = vertex_url_options(url)
    if route is None:
        log.warning(
            "openai-vertex: OPENAI_BASE_URL is ignored while openai is patched for Vertex (it is not a "
            "Vertex '.../endpoints/openapi' URL); unset it, or set OPENAI_VERTEX_BASE_URL for a custom "
            "Vertex endpoint."
        )
        return {}
    if any(options.get(name) is not None for name in _ROUTE_OPTIONS) or env.get("OPENAI_VERTEX_BASE_URL"):
        return {}  # explicit settings win over the SDK-level variable
    if env.get("OPENAI_API_KEY"):
        log.info("openai-vertex: OPENAI_API_KEY is not sent to Vertex; Google credentials refresh instead")
    return route


class Router:
    """One configuration: which Vertex state a client gets for the ``base_url`` it was given."""

    def __init__(self, options: dict[str, Any], known: dict[str, _VertexState]) -> None:
        self.options = options
        settings_options = {k: v for k, v in options.items() if k not in NOT_SETTINGS}
        settings_options.update(environment_route(settings_options))
        self._settings_options = settings_options
        self.source = token_source_for(options.get("credentials"), options.get("token_provider"))
        self._fetcher = options.get("image_fetcher")
        self._store = options.get("response_store")
        self.default = self._state(resolve_settings(**settings_options))
        self.known = known  # API roots handed out so far (shared by reconfigurations), for copy()
        known.setdefault(self.default.settings.base_url, self.default)

    def route(self, base_url: object) -> _VertexState | None:
        if unset(base_url) or host_of(base_url) == OPENAI_HOST:
            return self.default
        root = str(base_url).rstrip("/")
        if root == self.default.settings.base_url:
            return self.default
        state = self.known.get(root)
        if state is None:
            vertex = vertex_url_options(root)
            if vertex is None:
                return None  # someone else's server: leave the client alone
            state = self.known.setdefault(
                root, self._state(resolve_settings(**{**self._settings_options, **vertex}))
            )
        return state

    def _state(self, settings: Settings) -> _VertexState:
        return _VertexState(settings, self.source, image_fetcher=self._fetcher, response_store=self._store)


class FailedRouter:
    """Environment-only mode with a bad setting: every client construction reports it (fail closed)."""

    def __init__(self, error: VertexOpenAIError) -> None:
        self.options: dict[str, Any] | None = None  # never equal to a patch() call's options
        self._error = error

    def route(self, base_url: object) -> _VertexState | None:
        if unset(base_url) or host_of(base_url) == OPENAI_HOST:
            raise type(self._error)(*self._error.args)
        return None


def unset(value: object) -> bool:
    return value is None or isinstance(value, openai.NotGiven)


def host_of(url: object) -> str | None:
    host = getattr(url, "host", None)
    if isinstance(host, str):
        return host.lower()
    try:
        return (urlsplit(str(url)).hostname or "").lower() or None
    except ValueError:
        return None
