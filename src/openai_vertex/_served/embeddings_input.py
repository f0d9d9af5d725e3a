"""Check an OpenAI ``embeddings.create`` body and restate it for Vertex, before any request.

Runs in the client's ``_prepare_options``: bad input raises a TranslationError saying what to change.
The result (``options.json_data``) is the plan the served route sends as ``:predict`` requests:
``{"model", "texts", "dimensions", "encoding_format", "instance", "parameters"}``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

from ..exceptions import TranslationError
from .catalogue import EMBEDDING_MODELS, EmbeddingModel

__all__ = ["TASK_TYPES", "embedding_model", "embeddings_plan"]

# Text embeddings API reference: task_type values; title "Only valid with task_type=RETRIEVAL_DOCUMENT".
TASK_TYPES = (
    "RETRIEVAL_QUERY",
    "RETRIEVAL_DOCUMENT",
    "SEMANTIC_SIMILARITY",
    "CLASSIFICATION",
    "CLUSTERING",
    "QUESTION_ANSWERING",
    "FACT_VERIFICATION",
    "CODE_RETRIEVAL_QUERY",
)
_KNOWN_KEYS = {"model", "input", "dimensions", "encoding_format", "user"}
_GOOGLE_KEYS = {"task_type": "task_type", "taskType": "task_type", "title": "title",
                "auto_truncate": "autoTruncate", "autoTruncate": "autoTruncate"}  # fmt: skip
_EXAMPLE = "extra_body={'google': {'task_type': 'RETRIEVAL_DOCUMENT'}}"


def embedding_model(model: object, aliases: Mapping[str, str], location: str) -> EmbeddingModel:
    """The Vertex embedding model for ``model`` (aliases apply; the chat ``*`` default does not)."""
    if not isinstance(model, str) or not model:
        raise TranslationError("embeddings.create needs model=, e.g. 'gemini-embedding-001'.")
    name = aliases.get(model, model)
    for prefix in ("publishers/google/models/", "google/", "models/"):
        name = name.removeprefix(prefix)
    found = EMBEDDING_MODELS.get(name)
    if found is None:
        shown = repr(model) if name == model else f"{model!r} (alias of {name!r})"
        raise TranslationError(
            f"Embedding model {shown} is not a Vertex text embedding model; use one of "
            f"{', '.join(EMBEDDING_MODELS)}, or alias it: "
            f"model_aliases={{{model!r}: 'gemini-embedding-001'}} "
            f"or OPENAI_VERTEX_MODEL_ALIASES='{model}=gemini-embedding-001'."
        )
    if location == "global" and not found.served_on_global:
        raise TranslationError(
            f"{found.name} is served in regional locations, not 'global'; set vertex_location= (or "
            "GOOGLE_CLOUD_LOCATION) to a region such as 'us-central1', or use gemini-embedding-001 on global."
        )
    return found


def embeddings_plan(
    body: Mapping[str, Any], extra: Mapping[str, Any] | None, settings: Any
) -> dict[str, Any]:
    """The restated body; ``extra`` is the caller's ``extra_body``."""
    unknown = sorted(set(body) - _KNOWN_KEYS)
    extra = dict(extra or {})
    google = extra.pop("google", None) or {}
    unknown += sorted(extra)
    if unknown:
        raise TranslationError(
            f"embeddings.create does not take {', '.join(unknown)} on Vertex; "
            f"Vertex options go in extra_body={{'google': {{...}}}}, e.g. {_EXAMPLE}."
        )
    caller_model = body.get("model")
    model = embedding_model(caller_model, settings.model_aliases, settings.location)
    texts = _texts(body.get("input"), str(caller_model))
    parameters: dict[str, Any] = {}
    dimensions = body.get("dimensions")
    if dimensions is not None:
        if not isinstance(dimensions, int) or isinstance(dimensions, bool) or dimensions < 1:
            raise TranslationError(f"dimensions must be a positive integer; got {dimensions!r}.")
        if dimensions > model.max_dimensions:
            raise TranslationError(
                f"{model.name} makes vectors of at most {model.max_dimensions} dimensions; "
                f"got dimensions={dimensions}."
            )
        parameters["outputDimensionality"] = dimensions
    encoding = body.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        raise TranslationError(f"encoding_format must be 'float' or 'base64'; got {encoding!r}.")
    instance = _google_options(google, parameters)
    return {"model": model.name, "texts": texts, "encoding_format": encoding,
            "instance": instance, "parameters": parameters}  # fmt: skip


def _google_options(google: object, parameters: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(google, Mapping):
        raise TranslationError(f"extra_body['google'] must be a dict, e.g. {_EXAMPLE}.")
    instance: dict[str, Any] = {}
    for key, value in google.items():
        target = _GOOGLE_KEYS.get(key)
        if target is None:
            raise TranslationError(
                f"extra_body['google'][{key!r}] is not an embeddings option; use task_type, title "
                "or auto_truncate."
            )
        if target == "autoTruncate":
            if not isinstance(value, bool):
                raise TranslationError(f"extra_body['google']['{key}'] must be True or False.")
            parameters["autoTruncate"] = value
        elif not isinstance(value, str):
            raise TranslationError(f"extra_body['google']['{key}'] must be a string.")
        else:
            instance[target] = value
    task = instance.get("task_type")
    if task is not None and task not in TASK_TYPES:
        raise TranslationError(f"task_type {task!r} is not one of {', '.join(TASK_TYPES)}.")
    if "title" in instance and task != "RETRIEVAL_DOCUMENT":
        raise TranslationError("title is only valid with task_type='RETRIEVAL_DOCUMENT' (Vertex's rule).")
    return instance


def _texts(value: object, caller_model: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, Sequence) or not value:
        raise TranslationError("input must be a string or a non-empty list of strings (or of token lists).")
    if all(isinstance(v, str) for v in value):
        return list(value)
    if all(_is_tokens(v) for v in value):
        return [_decode(v, caller_model) for v in value]
    if _is_tokens(value):
        return [_decode(value, caller_model)]
    raise TranslationError("input must be a string, a list of strings, or token lists; not a mixture.")


def _is_tokens(value: object) -> bool:
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and all(isinstance(t, int) and not isinstance(t, bool) for t in value)
    )


def _decode(tokens: Sequence[int], caller_model: str) -> str:
    """Vertex takes text: turn token ids back into it with the encoding they came from."""
    try:
        tiktoken = importlib.import_module("tiktoken")
    except ImportError:
        raise TranslationError(
            "input is token ids, but Vertex embeds text and tiktoken (to decode them) is not installed; "
            "pip install tiktoken, or send text (langchain-openai: OpenAIEmbeddings("
            "check_embedding_ctx_length=False))."
        ) from None
    try:
        encoding = tiktoken.encoding_for_model(caller_model)
    except KeyError:  # not an OpenAI name (e.g. gemini-embedding-001): langchain falls back the same way
        encoding = tiktoken.get_encoding("cl100k_base")
    try:
        return str(encoding.decode(list(tokens)))
    except Exception as error:
        raise TranslationError(f"input token ids are not valid for {encoding.name}: {error}") from None
