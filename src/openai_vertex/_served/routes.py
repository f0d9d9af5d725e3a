"""The one table of OpenAI APIs served in-process, and the two hooks the clients call.

To serve another API, add its `Route` to `ROUTES` (and drop its entry from the refusals).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from . import embeddings, models
from .refused import refuse_unserved, refuse_websockets
from .transport import Route, serve

__all__ = ["ROUTES", "prepare_served", "serve_client"]


def _responses(handle: str, ahandle: str, prepare: str) -> tuple[Callable[..., Any], ...]:
    """A Responses route's handlers (``_responses/routes.py``) and its prepare step (``prepare.py``),
    each imported at its first call: the layer is a third of this package's import time, and most
    programs never call ``client.responses``."""

    def lazy(module: str, name: str) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            return getattr(importlib.import_module(f"openai_vertex._responses.{module}"), name)(*args)

        return call

    return lazy("routes", handle), lazy("routes", ahandle), lazy("prepare", prepare)


_ONE = "/responses/{response_id}"
ROUTES: tuple[Route, ...] = (
    Route("POST", "/embeddings", embeddings.handle, embeddings.ahandle, embeddings.prepare),
    Route("GET", "/models", models.handle_list, models.ahandle_list),
    Route(
        "GET", "/models/{model*}", models.handle_retrieve, models.ahandle_retrieve, models.prepare_retrieve
    ),
    Route("POST", "/responses", *_responses("handle_create", "ahandle_create", "prepare_create")),
    Route("GET", _ONE, *_responses("retrieve", "aretrieve", "prepare_retrieve")),
    Route("DELETE", _ONE, *_responses("delete", "adelete", "prepare_stored")),
    Route("GET", f"{_ONE}/input_items", *_responses("input_items", "ainput_items", "prepare_stored")),
    # prepare_cancel always refuses: nothing runs in the background here, so there is nothing to cancel
    Route("POST", f"{_ONE}/cancel", *_responses("delete", "adelete", "prepare_cancel")),
)


def serve_client(client: Any, state: Any) -> None:
    """After the SDK built ``client._client``: route `ROUTES` under the client's API root, and refuse
    the websocket APIs (``realtime.connect()``, ...), which no HTTP hook sees."""
    serve(client._client, state.settings.base_url, ROUTES, state)
    refuse_websockets(client)


def _first_segment(path: str) -> str:
    return path.strip("/").split("/", 1)[0].split("?", 1)[0]


# Routes with a prepare step, by the first segment of their path (most requests have none: chat).
_PREPARED: dict[str, list[Route]] = {}
for _route in ROUTES:
    if _route.prepare is not None:
        _PREPARED.setdefault(_first_segment(_route.path), []).append(_route)


def prepare_served(options: Any, state: Any) -> None:
    """In ``_prepare_options``: refuse unserved APIs, and let a served route check its input."""
    url = str(options.url)
    segment = _first_segment(url)
    refuse_unserved(segment)
    for route in _PREPARED.get(segment, ()):
        path = url.split("?", 1)[0]
        if route.prepare is not None and route.match(str(options.method).upper(), path) is not None:
            route.prepare(options, state)
            return
