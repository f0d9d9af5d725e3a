"""Translate a Chat Completions request body into the body Vertex's endpoint accepts.

A pure function of (body, settings): it never mutates its input and never does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._settings import Settings
from .model import vertex_model

__all__ = ["Translation", "translate_chat_body"]


@dataclass(frozen=True)
class Translation:
    body: dict[str, Any]
    notes: tuple[str, ...] = ()


def translate_chat_body(body: Mapping[str, Any], settings: Settings) -> Translation:
    out = dict(body)
    model = body.get("model")
    if isinstance(model, str):
        out["model"] = vertex_model(model, settings.model_aliases)
    return Translation(out)
