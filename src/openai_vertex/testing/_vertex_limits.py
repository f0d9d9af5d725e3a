"""Vertex's documented ranges for generation parameters and where preview models are served.

Sources (each rule below names its own):
- [PARAMS] "Content generation parameters",
  https://cloud.google.com/vertex-ai/generative-ai/docs/multimodal/content-generation-parameters
  (temperature 0.0-2.0 for Gemini, topP 0.0-1.0, candidateCount 1-8).
- [MODELS] the Gemini model cards, https://cloud.google.com/vertex-ai/generative-ai/docs/models
  ("Maximum output tokens": 65,535 for Gemini 2.5 and 3 models, 8,192 for Gemini 2.0 Flash/-Lite).
- [LOC] "Gemini preview models: Setting the location to global is required"
  (https://firebase.google.com/docs/ai-logic/locations?api=vertex;
  shared/research/responses_embeddings.md B.3).
- [GLOBAL] "Global endpoint > Supported models" and the regional tables,
  https://docs.cloud.google.com/vertex-ai/generative-ai/docs/learn/locations: Gemini 2.5 Pro and 2.5
  Flash are served on global and in regions. No regional table was found for the Gemini 3.x GA ids.
- [DOC-2026] "Using OpenAI libraries with Vertex AI" (vertex_compat.md §1, `detail`): "For models older
  than Gemini 3, the detail field must be consistent across all messages and contents (it is
  request-level)"; "passing multiple detail types in one request will throw an error".
Where the documents are silent, the fake is strict and its error says so.
"""

from __future__ import annotations

import re
from typing import Any

from ._vertex_rules import CHAT_MODELS, VertexError

__all__ = ["check_generation", "check_image_details", "check_location"]

# [MODELS] "Maximum output tokens" per model family (prefix of the model id).
_MAX_OUTPUT_TOKENS = (
    ("gemini-3", 65_535),
    ("gemini-2.5", 65_535),
    ("gemini-2.0", 8_192),
)
_PREVIEW = re.compile(r"-preview(-|$)")
# [GLOBAL] the documented models Vertex also serves in regions; the others in CHAT_MODELS: global only.
_REGIONAL = frozenset({"gemini-2.5-pro", "gemini-2.5-flash"})


def check_generation(body: dict[str, Any], model: str, location: str) -> None:
    """Raise VertexError for a parameter outside its documented range, or a preview off ``global``."""
    _in_range(body, "temperature", 0.0, 2.0)  # [PARAMS] "Range for gemini-2.x and later: 0.0 - 2.0"
    _in_range(body, "top_p", 0.0, 1.0)  # [PARAMS] topP "Range: 0.0 - 1.0"
    n = body.get("n")
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 8):
        # [PARAMS] candidateCount: "Range: 1-8"
        raise VertexError(
            400, f"Unable to submit request because candidateCount must be in [1, 8]; got {n!r}."
        )
    for name in ("max_tokens", "max_completion_tokens"):
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise VertexError(400, f"Unable to submit request because {name} must be a positive integer.")
        limit = next((cap for prefix, cap in _MAX_OUTPUT_TOKENS if model.startswith(prefix)), None)
        if limit is not None and value > limit + 1:  # Vertex accepts limit+1 (exclusive upper bound)
            raise VertexError(
                400,
                f"Unable to submit request because it has a maxOutputTokens value of {value} but the "
                f"supported range is from 1 (inclusive) to {limit + 1} (exclusive). Update the value "
                "and try again.",
            )
    check_image_details(body, model)
    check_location(model, location)


def check_location(model: str, location: str) -> None:
    """A documented model asked for where it is not served answers 404 (ids from ``extra_models``
    are served everywhere)."""
    if location == "global" or model not in CHAT_MODELS or model in _REGIONAL:
        return
    why = (
        "Gemini 3 previews are documented on the global location only"  # [LOC]
        if _PREVIEW.search(model)
        else "the documents give no regional location for this model, so the fake serves it on "
        "global only"  # [GLOBAL] silent: strict
    )
    raise VertexError(
        404,
        f"Publisher Model `projects/-/locations/{location}/publishers/google/models/{model}` not "
        f"found. (fake Vertex: {why})",
    )


def check_image_details(body: dict[str, Any], model: str) -> None:
    """[DOC-2026] Before Gemini 3, one ``detail`` for every image in the request."""
    if model.startswith("gemini-3"):
        return  # part-level media_resolution from Gemini 3 on
    details = set()
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        for part in content if isinstance(content, list) else []:
            image = part.get("image_url") if isinstance(part, dict) else None
            if isinstance(image, dict) and image.get("detail") is not None:
                details.add(str(image["detail"]))
    if len(details) > 1:
        raise VertexError(
            400,
            f"Request contains an invalid argument: image detail must be the same for every image "
            f"before Gemini 3; got {', '.join(sorted(details))}. (fake Vertex: the documents say "
            "mixed detail types throw an error but not its text)",
        )


def _in_range(body: dict[str, Any], name: str, low: float, high: float) -> None:
    value = body.get(name)
    if value is None:
        return
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
        raise VertexError(
            400,
            f"Unable to submit request because it has a {name} value of {value!r} but the supported "
            f"range is from {low} (inclusive) to {high} (inclusive). Update the value and try again.",
        )
