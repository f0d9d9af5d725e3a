"""The fake Vertex's publisher-model routes: text embeddings ``:predict`` and the models listing.

Rules and shapes come from Vertex's documents, cited per rule; where the documents are silent the
fake is strict and its error says so. Its tokenizer is a stand-in: one token per whitespace-separated
word (Vertex's real count is at most the UTF-8 byte count, which is what the client budgets with).
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ._vertex_rules import VertexError

__all__ = ["LISTED_MODELS", "LIST_PAGE_SIZE", "publisher_route"]


class _Endpoint(Protocol):
    """What these routes read of the fake endpoint (a protocol: the fake imports this module)."""

    project: str
    location: str
    predict_delay: float


_EMB = "https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/embeddings/get-text-embeddings"
_EMB_API = (
    "https://docs.cloud.google.com/gemini-enterprise-agent-platform/reference/models/text-embeddings-api"
)
_PREDICT = re.compile(
    r"^/(?P<version>v1|v1beta1)/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
    r"/publishers/google/models/(?P<model>[^/:]+):predict$"
)
_LIST = re.compile(r"^/v1beta1/publishers/google/models$")  # list is v1beta1 only (REST reference)
_GET = re.compile(r"^/(?:v1|v1beta1)/publishers/google/models/(?P<model>[^/]+)$")

# [EMB]: dimensions "3072" for gemini-embedding-001, "768" for the others; "250 input texts for
# non-Gemini models", "each request can only include a single input text" for gemini-embedding-001.
_MAX_DIMENSIONS = {"gemini-embedding-001": 3072, "text-embedding-005": 768,
                   "text-multilingual-embedding-002": 768}  # fmt: skip
_MAX_INSTANCES = {
    "gemini-embedding-001": 1,
    "text-embedding-005": 250,
    "text-multilingual-embedding-002": 250,
}
_MAX_INPUT_TOKENS = 2048  # [EMB] per input; "silently truncated" unless autoTruncate is false
_MAX_REQUEST_TOKENS = 20_000  # [EMB] "Inputs exceeding this limit result in a 400 error"
# [EMB_API] task_type values; "title: Only valid with task_type=RETRIEVAL_DOCUMENT".
_TASK_TYPES = {"RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY", "CLASSIFICATION",
               "CLUSTERING", "QUESTION_ANSWERING", "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY"}  # fmt: skip
# What the fake's Model Garden lists (a few non-Gemini models too: clients must filter them out).
LISTED_MODELS = ("gemini-2.5-flash", "gemini-2.5-pro", "gemini-embedding-001", "imagen-4.0-generate-001",
                 "text-embedding-005", "text-multilingual-embedding-002", "veo-3.0-generate-001")  # fmt: skip

LIST_PAGE_SIZE = 3  # the most the fake's listing answers per page, whatever pageSize asks (see _list)

Served = Callable[[_Endpoint, Any, Any], tuple[int, Any]]


def publisher_route(method: str, path: str) -> Served | None:
    """The fake's handler for a publisher-model request, or None when the path is not one."""
    if method == "POST" and _PREDICT.match(path):
        return _predict
    if method == "GET" and _LIST.match(path):
        return _list
    if method == "GET" and _GET.match(path):
        return _get
    return None


def _predict(fake: _Endpoint, ex: Any, body: Any) -> tuple[int, Any]:
    match = _PREDICT.match(ex.path)
    assert match is not None
    model, location = match["model"], match["location"]
    name = f"projects/{match['project']}/locations/{location}/publishers/google/models/{model}"
    if (match["project"], location) != (fake.project, fake.location) or model not in _MAX_DIMENSIONS:
        raise VertexError(404, f"Publisher Model `{name}` not found.")
    if location == "global" and model != "gemini-embedding-001":
        # The locations page lists "Embeddings for Text" in regional locations only (strict: 404).
        raise VertexError(404, f"Publisher Model `{name}` is not served in location global.")
    if not isinstance(body, Mapping) or set(body) - {"instances", "parameters"}:
        raise VertexError(400, "Invalid JSON payload: expected {instances, parameters} ([EMB_API] body).")
    instances = body.get("instances")
    if not isinstance(instances, list) or not instances:
        raise VertexError(400, "instances must be a non-empty list.")
    if len(instances) > _MAX_INSTANCES[model]:
        # [EMB] gives the limit, not the error text; the fake answers 400 (strict where docs are silent).
        raise VertexError(400, f"{model} takes at most {_MAX_INSTANCES[model]} instances per request.")
    parameters = body.get("parameters") or {}
    dims, auto_truncate = _parameters(parameters, model)
    if fake.predict_delay > 0:
        time.sleep(fake.predict_delay)  # lets tests see requests overlap
    predictions = []
    total = 0
    for instance in instances:
        content, task = _instance(instance)
        words = content.split()
        truncated = len(words) > _MAX_INPUT_TOKENS
        if truncated and not auto_truncate:
            raise VertexError(400, f"Input has {len(words)} tokens, over the limit of {_MAX_INPUT_TOKENS}.")
        words = words[:_MAX_INPUT_TOKENS]
        total += len(words)  # [EMB] silent on before/after truncation: counted after (what is embedded)
        values = _vector(model, " ".join(words), task, dims)
        predictions.append(
            {
                "embeddings": {
                    "values": values,
                    "statistics": {"truncated": truncated, "token_count": len(words)},
                }
            }
        )
    if total > _MAX_REQUEST_TOKENS:
        raise VertexError(400, f"The request has {total} tokens; the limit is {_MAX_REQUEST_TOKENS}.")
    billable = sum(len(str(i.get("content", ""))) for i in instances)
    return 200, {"predictions": predictions, "metadata": {"billableCharacterCount": billable}}


def _parameters(parameters: Any, model: str) -> tuple[int, bool]:
    if not isinstance(parameters, Mapping) or set(parameters) - {"autoTruncate", "outputDimensionality"}:
        raise VertexError(400, "parameters takes autoTruncate and outputDimensionality only.")
    auto = parameters.get("autoTruncate", True)  # [EMB_API] default true
    dims = parameters.get("outputDimensionality", _MAX_DIMENSIONS[model])
    if not isinstance(auto, bool):
        raise VertexError(400, "autoTruncate must be a boolean.")
    if not isinstance(dims, int) or isinstance(dims, bool) or not 1 <= dims <= _MAX_DIMENSIONS[model]:
        # TextEmbeddingPredictionParams: an unsupported value is INVALID_ARGUMENT.
        raise VertexError(400, f"outputDimensionality must be 1..{_MAX_DIMENSIONS[model]} for {model}.")
    return dims, auto


def _instance(instance: Any) -> tuple[str, str]:
    if not isinstance(instance, Mapping) or set(instance) - {"content", "task_type", "title"}:
        raise VertexError(400, "Each instance takes content, task_type and title only ([EMB_API]).")
    content = instance.get("content")
    if not isinstance(content, str):
        raise VertexError(400, "instance.content must be a string.")
    task = instance.get("task_type", "RETRIEVAL_QUERY")  # [EMB_API] default
    if task not in _TASK_TYPES:
        raise VertexError(400, f"Unsupported task_type {task!r}.")
    if "title" in instance and task != "RETRIEVAL_DOCUMENT":
        raise VertexError(400, "title is only valid with task_type=RETRIEVAL_DOCUMENT.")
    return content, str(task)


def _vector(model: str, text: str, task: str, dims: int) -> list[float]:
    """Deterministic per (model, text, task); normalized, as [EMB] says Vertex's vectors are."""
    seed = hashlib.sha256(f"{model}\0{task}\0{text}".encode()).digest()
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    values = [rng.uniform(-1.0, 1.0) for _ in range(dims)]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


def _publisher_model(name: str) -> dict[str, Any]:
    # PublisherModel fields (REST reference): name, versionId, launchStage, ...; no creation time.
    return {"name": f"publishers/google/models/{name}", "versionId": "001", "launchStage": "GA"}


def _list(fake: _Endpoint, ex: Any, body: Any) -> tuple[int, Any]:
    try:
        size = int(ex.query.get("pageSize", "50"))
        start = int(ex.query.get("pageToken") or 0)
    except ValueError:
        raise VertexError(400, "pageSize and pageToken must be the values the listing gave.") from None
    # "pageSize: The standard list page size" (publishers.models.list): an upper bound, and the server
    # may return fewer (https://google.aip.dev/158). The fake always does, so every client must page.
    size = min(size, LIST_PAGE_SIZE)
    page = LISTED_MODELS[start : start + size]
    reply: dict[str, Any] = {"publisherModels": [_publisher_model(n) for n in page]}
    if start + size < len(LISTED_MODELS):
        reply["nextPageToken"] = str(start + size)
    return 200, reply


def _get(fake: _Endpoint, ex: Any, body: Any) -> tuple[int, Any]:
    match = _GET.match(ex.path)
    assert match is not None
    if match["model"] not in LISTED_MODELS:
        raise VertexError(404, f"Publisher model `publishers/google/models/{match['model']}` not found.")
    return 200, _publisher_model(match["model"])
