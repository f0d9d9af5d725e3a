"""``GET /models`` and ``GET /models/{id}`` from Vertex's publisher-models listing.

Vertex's OpenAI-compatible endpoint has no models method; its Model Garden does:
``GET /v1beta1/publishers/google/models`` (list, v1beta1 only) and ``GET /v1/publishers/google/models/{m}``
(https://cloud.google.com/vertex-ai/docs/reference/rest/v1beta1/publishers.models/list, …/v1/…/get). Only
Gemini and text-embedding models are shown (the ones usable with ``model=`` here). When the listing
does not answer (403/404/501: e.g. a private endpoint or an emulator without it), the built-in
`catalogue` answers instead. Publisher models carry no creation time, so ``created`` is 0.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import Any
from urllib.parse import urlsplit

from .catalogue import EMBEDDING_MODELS, GEMINI_MODELS
from .transport import AsyncCall, Call, SyncCall

__all__ = ["ahandle_list", "ahandle_retrieve", "handle_list", "handle_retrieve", "prepare_retrieve"]

_FALLBACK_STATUSES = (403, 404, 501)
_MAX_PAGES = 20  # a guard against a listing that never ends
_PREFIXES = ("publishers/google/models/", "google/", "models/")


def _bare(name: str) -> str:
    for prefix in _PREFIXES:
        name = name.removeprefix(prefix)
    return name


def _usable(name: str) -> bool:
    return name in EMBEDDING_MODELS or (name.startswith("gemini-") and "embedding" not in name)


def _model(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 0, "owned_by": "google"}


def _catalogue() -> list[str]:
    return [*GEMINI_MODELS, *EMBEDDING_MODELS]


def prepare_retrieve(options: Any, state: Any) -> None:
    """``models.retrieve("text-embedding-3-small")`` looks up the model the alias names."""
    requested = str(options.url).removeprefix("/models/")
    aliases = state.settings.model_aliases
    options.url = f"/models/{_bare(aliases.get(requested, requested))}"


def _origin(call: Call) -> str:
    parts = urlsplit(call.root)
    return f"{parts.scheme}://{parts.netloc}"


def _list_request(call: Call, page_token: str | None) -> Any:
    params = {"pageSize": "100", **({"pageToken": page_token} if page_token else {})}
    return call.build("GET", f"{_origin(call)}/v1beta1/publishers/google/models", params=params)


def _page(response: Any) -> tuple[list[str], str | None]:
    body = response.json()
    found = body.get("publisherModels") if isinstance(body, Mapping) else None
    names = [_bare(str(m.get("name", ""))) for m in found or [] if isinstance(m, Mapping)]
    token = body.get("nextPageToken") if isinstance(body, Mapping) else None
    return names, (token if isinstance(token, str) and token else None)


def _listed(call: Call, names: list[str]) -> Any:
    usable = sorted({n for n in names if _usable(n)})
    return call.respond(200, {"object": "list", "data": [_model(n) for n in usable]})


def _list_flow(call: Call) -> Generator[Any, Any, Any]:
    """The listing, page by page: yields each page's request, is sent its response, returns the answer
    (one flow for the sync and the async handler, which only differ in how they send)."""
    names: list[str] = []
    token: str | None = None
    for _ in range(_MAX_PAGES):
        response = yield _list_request(call, token)
        if response.status_code in _FALLBACK_STATUSES:
            return _listed(call, _catalogue())
        if response.status_code >= 300:
            return call.relay(response)
        page, token = _page(response)
        names += page
        if token is None:
            break
    return _listed(call, names)


def handle_list(call: SyncCall) -> Any:
    flow = _list_flow(call)
    request = next(flow)
    while True:
        try:
            request = flow.send(call.send(request))
        except StopIteration as done:
            return done.value


async def ahandle_list(call: AsyncCall) -> Any:
    flow = _list_flow(call)
    request = next(flow)
    while True:
        try:
            request = flow.send(await call.send(request))
        except StopIteration as done:
            return done.value


def _get_request(call: Call) -> Any:
    name = call.params["model"]
    return call.build("GET", f"{_origin(call)}/v1/publishers/google/models/{name}")


def _retrieved(call: Call, response: Any) -> Any:
    name = call.params["model"]
    if response.status_code == 200 and _usable(name):
        return call.respond(200, _model(name))
    if response.status_code in (403, 501) and name in _catalogue():
        return call.respond(200, _model(name))
    if response.status_code >= 300 and response.status_code not in _FALLBACK_STATUSES:
        return call.relay(response)  # 401, 429, 5xx: the SDK's auth refresh and retries handle them
    message = (
        f"The model {name!r} is not a Gemini or text-embedding model Vertex serves here; "
        "client.models.list() shows the ones that are."
    )
    error = {"message": message, "type": "invalid_request_error", "code": "model_not_found", "param": None}
    return call.respond(404, {"error": error})


def handle_retrieve(call: SyncCall) -> Any:
    return _retrieved(call, call.send(_get_request(call)))


async def ahandle_retrieve(call: AsyncCall) -> Any:
    return _retrieved(call, await call.send(_get_request(call)))
