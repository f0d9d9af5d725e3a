"""``POST /embeddings`` served through Vertex's ``publishers/google/models/{model}:predict``.

`prepare` (in ``_prepare_options``) checks the body and restates it (``embeddings_input``); the
handlers split the texts into requests within the model's documented limits, send them concurrently,
and join the predictions, in input order, into OpenAI's ``CreateEmbeddingResponse`` JSON.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Mapping
from typing import Any

from .._warnings import warn_compatibility
from .catalogue import EMBEDDING_MODELS, MAX_TOKENS_PER_REQUEST
from .embeddings_input import embeddings_plan
from .transport import AsyncCall, Call, SyncCall

__all__ = ["ahandle", "batches", "handle", "prepare", "to_openai"]


def prepare(options: Any, state: Any) -> None:
    body = options.json_data if isinstance(options.json_data, Mapping) else {}
    extra = options.extra_json if isinstance(options.extra_json, Mapping) else None
    options.json_data = embeddings_plan(body, extra, state.settings)  # a new dict, as the SDK retries
    options.extra_json = None  # consumed: google options are in the plan


def _token_bound(text: str, max_input_tokens: int, auto_truncate: bool) -> int:
    # Each token covers at least one UTF-8 byte, so the byte count bounds Vertex's token count from
    # above without its tokenizer; a truncated text counts at most the per-input limit.
    size = len(text.encode("utf-8"))
    return min(size, max_input_tokens) if auto_truncate else size


def batches(plan: Mapping[str, Any]) -> list[list[int]]:
    """Indices of ``plan["texts"]`` per request: at most the model's inputs and 20,000 tokens each."""
    model = EMBEDDING_MODELS[plan["model"]]
    auto_truncate = plan["parameters"].get("autoTruncate", True)  # documented default: true
    groups: list[list[int]] = []
    current: list[int] = []
    tokens = 0
    for i, text in enumerate(plan["texts"]):
        bound = _token_bound(text, model.max_input_tokens, auto_truncate)
        if current and (len(current) >= model.max_inputs or tokens + bound > MAX_TOKENS_PER_REQUEST):
            groups.append(current)
            current, tokens = [], 0
        current.append(i)
        tokens += bound
    if current:
        groups.append(current)
    return groups


def _requests(call: Call, plan: Mapping[str, Any]) -> tuple[list[list[int]], list[Any]]:
    url = call.vertex_url(f"publishers/google/models/{plan['model']}:predict")
    groups = batches(plan)
    requests = []
    for group in groups:
        instances = [{"content": plan["texts"][i], **plan["instance"]} for i in group]
        body: dict[str, Any] = {"instances": instances}
        if plan["parameters"]:
            body["parameters"] = plan["parameters"]
        requests.append(call.build("POST", url, body))
    return groups, requests


def to_openai(plan: Mapping[str, Any], groups: list[list[int]], replies: list[Any]) -> dict[str, Any]:
    """OpenAI's embeddings JSON from the ``:predict`` replies (``replies[k]`` answers ``groups[k]``)."""
    data: list[dict[str, Any] | None] = [None] * len(plan["texts"])
    tokens = 0
    truncated: list[int] = []
    for group, reply in zip(groups, replies, strict=True):
        predictions = reply.get("predictions") if isinstance(reply, Mapping) else None
        if not isinstance(predictions, list) or len(predictions) != len(group):
            raise ValueError(f"Vertex answered :predict without {len(group)} predictions")
        for index, prediction in zip(group, predictions, strict=True):
            embeddings = prediction["embeddings"]
            stats = embeddings.get("statistics") or {}
            tokens += int(stats.get("token_count", 0))
            if stats.get("truncated"):
                truncated.append(index)
            data[index] = {"object": "embedding", "index": index,
                           "embedding": _encoded(embeddings["values"], plan["encoding_format"])}  # fmt: skip
    if truncated:
        warn_compatibility(
            f"Vertex truncated input {', '.join(map(str, truncated[:10]))}"
            f"{' …' if len(truncated) > 10 else ''} to the model's input limit before embedding it; "
            "pass extra_body={'google': {'auto_truncate': False}} to get an error instead."
        )
    return {"object": "list", "data": data, "model": plan["model"],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}  # fmt: skip


def _encoded(values: list[float], encoding_format: str) -> list[float] | str:
    if encoding_format != "base64":
        return values
    # OpenAI's base64 embeddings are little-endian float32 (what the SDK decodes with array('f')).
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode("ascii")


def _answer(call: Call, plan: Mapping[str, Any], groups: list[list[int]], responses: list[Any]) -> Any:
    for response in responses:
        if response.status_code >= 300:
            return call.relay(response)  # Vertex's error: the SDK maps and retries it as for chat
    try:
        body = to_openai(plan, groups, [r.json() for r in responses])
    except (ValueError, KeyError, TypeError) as error:
        message = f"openai-vertex could not read Vertex's :predict reply ({error})"
        return call.respond(502, {"error": {"message": message, "type": "server_error", "code": None}})
    return call.respond(200, body)


def handle(call: SyncCall) -> Any:
    plan = call.json()
    groups, requests = _requests(call, plan)
    return _answer(call, plan, groups, call.send_all(requests))


async def ahandle(call: AsyncCall) -> Any:
    plan = call.json()
    groups, requests = _requests(call, plan)
    return _answer(call, plan, groups, await call.send_all(requests))
