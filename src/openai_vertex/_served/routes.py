"""The one table of OpenAI APIs served in-process, and the two hooks the clients call.

To serve another API, add its `Route` to `ROUTES` (and drop its entry from the refusals).
"""

from __future__ import annotations

from typing import Any

from .._responses import routes as responses
from . import embeddings, models
from .refused import refuse_unserved, refuse_websockets
from .transport import Route, serve

__all__ = ["ROUTES", "prepare_served", "serve_client"]

ROUTES: tuple[Route, ...] = (
    Route("POST", "/embeddings", embeddings.handle, embeddings.ahandle, embeddings.prepare),
    Route("GET", "/models", models.handle_list, models.ahandle_list),
    Route(
        "GET", "/models/{model*}", models.handle_retrieve, models.ahandle_retrieve, models.prepare_retrieve
    ),
    *responses.ROUTES,
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
