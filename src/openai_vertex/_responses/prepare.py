"""What runs for ``/responses`` in the SDK's ``_prepare_options``, before anything is sent.

``prepare_create`` translates the whole request (``request.py``), so every refusal is raised before
anything is sent, and replaces the body with the `Plan` as JSON. The client then calls
``continued_plan`` (``acontinued_plan`` in the async client) with its own image step, the one chat
completions use: the stored history is added and the images are inlined there, above the SDK.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from ..exceptions import TranslationError
from .conversation import continued
from .request import plan_request
from .store import in_thread, store_of

__all__ = [
    "acontinued_plan",
    "continued_plan",
    "prepare_cancel",
    "prepare_create",
    "prepare_retrieve",
    "prepare_stored",
]


def prepare_stored(options: Any, state: Any) -> None:
    """For every stored-response call: open the store here, so a bad choice fails before any request."""
    store_of(state.response_store)


def prepare_create(options: Any, state: Any) -> None:
    prepare_stored(options, state)
    body = options.json_data if isinstance(options.json_data, Mapping) else {}
    extra = options.extra_json if isinstance(options.extra_json, Mapping) else None
    plan = plan_request(body, state.settings, extra)
    state.warn(plan.notes)
    options.json_data = plan.to_json()  # a new dict: the SDK reuses the old one on retries
    options.extra_json = None  # consumed by the translation


Inline = Callable[[Mapping[str, Any]], Mapping[str, Any]]
AsyncInline = Callable[[Mapping[str, Any]], Awaitable[Mapping[str, Any]]]


def continued_plan(plan: Mapping[str, Any], state: Any, inline: Inline) -> dict[str, Any]:
    """``plan`` with the chat body to send: the stored earlier turns added, then the images inlined by
    the client's own chat step (``inline``: same fetcher, same deadline from the request's timeout).
    It runs in ``_prepare_options`` after `prepare_create`, so an ImageFetchError reaches the caller
    as it does from chat.completions, before anything is sent; raised below the SDK, it would be
    retried and come out as an APIConnectionError."""
    store = store_of(state.response_store)
    previous = plan.get("previous_response_id")
    sent = _sent(plan, store.get(previous) if previous else None)
    return _planned(plan, sent, None if sent is None else inline(sent))


async def acontinued_plan(plan: Mapping[str, Any], state: Any, ainline: AsyncInline) -> dict[str, Any]:
    store = store_of(state.response_store)
    previous = plan.get("previous_response_id")
    sent = _sent(plan, await in_thread(store, store.get, previous) if previous else None)
    return _planned(plan, sent, None if sent is None else await ainline(sent))


def _sent(plan: Mapping[str, Any], earlier: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The chat body with the earlier turns, images not yet inlined; None when previous_response_id
    names no stored response (the handler answers with OpenAI's 400 for that)."""
    if plan.get("previous_response_id") and earlier is None:
        return None
    return continued(plan["chat"], plan["system"], earlier)


def _planned(plan: Mapping[str, Any], sent: Any, chat: Any) -> dict[str, Any]:
    # ``sent`` (image URLs: what the store keeps) travels only when inlining changed the body.
    return {**plan, "chat": chat, "sent": None if chat is sent else sent}


def prepare_retrieve(options: Any, state: Any) -> None:
    # Refused, not replayed: OpenAI streams retrieve for background responses, and a replay of a stored
    # one through EventStream would give its items new ids (EventStream makes them from chat chunks).
    params = options.params if isinstance(options.params, Mapping) else {}
    query = {**dict(parse_qsl(str(options.url).partition("?")[2])), **params}
    if str(query.get("stream")).lower() == "true":
        raise TranslationError(
            "responses.retrieve(stream=True) replays the stream of a background response; openai-vertex "
            "runs no background responses (background=True is refused). Call responses.retrieve(id) "
            "without stream= for the stored response. Nothing was sent."
        )
    prepare_stored(options, state)


def prepare_cancel(options: Any, state: Any) -> None:
    raise TranslationError(
        "responses.cancel cancels a background response; openai-vertex runs no background responses "
        "(background=True is refused), so there is nothing to cancel. Nothing was sent."
    )
