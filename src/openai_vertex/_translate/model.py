"""Model names: aliases for hard-coded names, and the ``google/`` publisher prefix Vertex requires."""

from __future__ import annotations

from collections.abc import Mapping

from ..exceptions import TranslationError

__all__ = ["vertex_model"]

_GOOGLE_FAMILIES = ("gemini-", "gemma-")


def vertex_model(model: str, aliases: Mapping[str, str]) -> str:
    """The model id Vertex accepts for ``model``; raises before any request for names it cannot take."""
    alias = aliases.get(model)
    if alias is not None:
        return _normalized(alias) or _refuse(alias, from_alias=model)
    name = _normalized(model)
    if name is not None:
        return name
    default = aliases.get("*")
    if default is not None:
        return _normalized(default) or _refuse(default, from_alias="*")
    return _refuse(model)


def _normalized(model: str) -> str | None:
    if model.startswith("publishers/") and "/models/" in model:
        publisher, _, name = model[len("publishers/") :].partition("/models/")
        return f"{publisher}/{name}"
    if model.startswith("models/"):  # the Gemini API's spelling
        model = model[len("models/") :]
    if "/" in model:
        return model  # already publisher/model (google/…, meta/…, or a tuned-model endpoint id)
    if model.startswith(_GOOGLE_FAMILIES):
        return f"google/{model}"
    return None


def _refuse(model: str, *, from_alias: str | None = None) -> str:
    if from_alias is not None:
        raise TranslationError(
            f"The model alias {from_alias!r} points at {model!r}, which is not a Vertex model; "
            "alias it to a Gemini model such as 'gemini-2.5-flash' or to 'publisher/model'."
        )
    raise TranslationError(
        f"Model {model!r} is not available on Vertex. Use a Gemini model such as 'gemini-2.5-flash', or "
        f"alias it: model_aliases={{{model!r}: 'gemini-2.5-flash'}} or "
        f"OPENAI_VERTEX_MODEL_ALIASES='{model}=gemini-2.5-flash' "
        "(a '*=gemini-2.5-flash' entry covers every name)."
    )
