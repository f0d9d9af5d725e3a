"""Top-level Chat Completions parameters: ``extra_body``, token limits, reasoning, unsupported ones.

Vertex ignores parameters it does not know ("If you pass any unsupported parameter, it is ignored",
vertex_compat.md §1.2), so a request that relies on one silently behaves differently. Each such
parameter is handled by the client's ``unsupported_params`` policy instead: ``warn`` (drop it, one
note naming it), ``drop`` (drop it silently) or ``error`` (refuse before any request is sent).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from ..exceptions import TranslationError

__all__ = ["UNSUPPORTED", "Context", "merge_extra", "translate_params"]

# OpenAI Chat Completions parameters missing from Vertex's parameter table (research §1.2).
UNSUPPORTED = frozenset(
    {
        "audio", "logit_bias", "logprobs", "metadata", "moderation", "prediction", "prompt_cache_key",
        "prompt_cache_options", "prompt_cache_retention", "safety_identifier", "service_tier", "store",
        "top_logprobs", "user", "verbosity",
    }
)  # fmt: skip
# Values that ask for OpenAI's default behaviour: dropping them changes nothing, so no note.
_DEFAULTS: dict[str, tuple[object, ...]] = {"service_tier": ("auto", "default")}
# Handled here; `translate_params` is only called with the keys of a body that are in this set.
HANDLED = UNSUPPORTED | {
    "max_completion_tokens",
    "reasoning_effort",
    "n",
    "stream_options",
    "web_search_options",
}
# Vertex documents low/medium/high (+ none in Google's notebook); OpenAI has more levels.
_EFFORT = {"minimal": "low", "xhigh": "high", "max": "high"}
_GEMINI_MAJOR = re.compile(r"(?:^|/)gemini-(\d+)")
_POLICY_HINT = (
    "unsupported_params='drop' on the client (or OPENAI_VERTEX_UNSUPPORTED_PARAMS=drop) drops it silently"
)
_SPECIAL_NOTES = {
    "parallel_tool_calls": (
        "'parallel_tool_calls' (false) is not supported by Vertex and was dropped: Gemini may call "
        "several tools in one turn; "
    ),
}


class Context:
    """What one translation collects: notes (warnings to show) and unsupported parameters found."""

    __slots__ = ("_gemini3", "model", "notes", "policy", "unsupported")

    def __init__(self, policy: str, model: str) -> None:
        self.policy = policy
        self.model = model
        self._gemini3: bool | None = None
        self.notes: list[str] = []
        self.unsupported: list[str] = []

    @property
    def gemini3(self) -> bool:
        """Gemini 3 or later: part-level image detail, n limits. Other models follow the older rules."""
        if self._gemini3 is None:  # computed on demand: most requests never ask
            match = _GEMINI_MAJOR.search(self.model)
            self._gemini3 = match is not None and int(match.group(1)) >= 3
        return self._gemini3

    def note(self, text: str) -> None:
        self.notes.append(text)

    def unsupported_param(self, name: str) -> None:
        self.unsupported.append(name)

    def finish(self) -> tuple[str, ...]:
        """Apply the policy to the unsupported parameters; return the notes, each once."""
        if self.unsupported:
            names = list(dict.fromkeys(self.unsupported))
            if self.policy == "error":
                raise TranslationError(
                    f"Vertex does not support {', '.join(repr(n) for n in names)}. Remove "
                    f"{'it' if len(names) == 1 else 'them'}, or let openai-vertex drop "
                    f"{'it' if len(names) == 1 else 'them'}: unsupported_params='drop' (silently) or "
                    "'warn' on the client, or OPENAI_VERTEX_UNSUPPORTED_PARAMS=drop|warn."
                )
            if self.policy == "warn":
                # The client shows each distinct text once, so the text depends on the name only.
                for name in names:
                    lead = _SPECIAL_NOTES.get(name, f"'{name}' is not supported by Vertex and was dropped; ")
                    self.notes.append(lead + _POLICY_HINT)
        return tuple(dict.fromkeys(self.notes))


def merge_extra(out: dict[str, Any], extra: Mapping[str, Any] | None) -> frozenset[str]:
    """Fold the SDK's ``extra_body`` (merged after our hook, so handed to us) into ``out``.

    Vertex reads its extensions from ``extra_body.google`` in the JSON body. Users write that as
    ``extra_body={"google": ...}`` (natural) or, as Google's docs show, ``extra_body={"extra_body":
    {"google": ...}}``; a raw body may already carry ``extra_body`` or a top-level ``google``. All of
    them end up in one wire ``extra_body``; ``google`` dicts merge key by key, later sources winning.
    Other ``extra_body`` keys go top-level, as the SDK would send them. Returns those keys: the user
    asked for them explicitly, so the unsupported-parameter policy leaves them alone.
    """
    wire: dict[str, Any] = {}
    google: dict[str, Any] = {}

    def take(extension: Any, nested: bool) -> None:
        if not isinstance(extension, Mapping):
            return
        for key, value in extension.items() if nested else (("google", extension),):
            if key == "google" and isinstance(value, Mapping):
                google.update(value)
            else:
                wire[key] = value

    if "extra_body" in out and isinstance(out["extra_body"], Mapping):
        take(out.pop("extra_body"), nested=True)
    if "google" in out and isinstance(out["google"], Mapping):
        take(out.pop("google"), nested=False)
    own: list[str] = []
    for key, value in (extra or {}).items():
        if key == "extra_body" and isinstance(value, Mapping):
            take(value, nested=True)
        elif key == "google" and isinstance(value, Mapping):
            take(value, nested=False)
        else:
            out[key] = value
            own.append(key)
    if google:
        wire["google"] = google
    if wire:
        out["extra_body"] = wire
    return frozenset(own)


def translate_params(out: dict[str, Any], keys: Collection[str], ctx: Context, own: frozenset[str]) -> None:
    """Rewrite the top-level parameters in ``keys`` (those of ``out`` that are in ``HANDLED``)."""
    for key in keys:
        if key in UNSUPPORTED:
            if key not in own:
                _unsupported(out, key, ctx)
        elif key == "max_completion_tokens":
            _max_tokens(out, ctx)
        elif key == "reasoning_effort":
            _reasoning_effort(out, ctx)
        elif key == "n":
            n = out["n"]
            if ctx.gemini3 and isinstance(n, int) and n > 1:
                ctx.note("'n' > 1: Gemini 3 models may refuse more than one candidate per request")
        elif key == "stream_options":
            # Vertex always puts usage on the last streamed chunk, so include_usage is honoured as is.
            del out["stream_options"]
        elif key == "web_search_options":
            _web_search(out, ctx)


def _unsupported(out: dict[str, Any], key: str, ctx: Context) -> None:
    value = out.pop(key)
    # None/false/empty ask for nothing; dropping them changes nothing, so the policy is not involved.
    if value is None or value is False or value in _DEFAULTS.get(key, ()):
        return
    if isinstance(value, (str, list, dict)) and not value:
        return
    ctx.unsupported_param(key)


def _max_tokens(out: dict[str, Any], ctx: Context) -> None:
    value = out.pop("max_completion_tokens")
    if value is None:
        return
    if out.get("max_tokens") not in (None, value):
        ctx.note(
            "'max_tokens' and 'max_completion_tokens' were both given; Vertex got max_completion_tokens "
            "(OpenAI gives it precedence)"
        )
    # Vertex documents max_completion_tokens as an alias; max_tokens is the name every version knows.
    out["max_tokens"] = value


def _reasoning_effort(out: dict[str, Any], ctx: Context) -> None:
    effort = out["reasoning_effort"]
    if effort is None:
        del out["reasoning_effort"]
        return
    extension = out.get("extra_body")
    google = extension.get("google") if isinstance(extension, Mapping) else None
    if isinstance(google, Mapping) and "thinking_config" in google:
        # Vertex answers 400 for both; failing here names the fix before a round trip.
        raise TranslationError(
            "reasoning_effort and extra_body google.thinking_config were both given; Vertex accepts only "
            "one of them: drop reasoning_effort (thinking_config is finer-grained) or drop thinking_config."
        )
    if effort in _EFFORT:
        out["reasoning_effort"] = _EFFORT[effort]
        ctx.note(
            "'reasoning_effort': Vertex documents only none, low, medium and high; the closest level was "
            "sent (minimal -> low, xhigh/max -> high)"
        )


def _web_search(out: dict[str, Any], ctx: Context) -> None:
    options = out["web_search_options"]
    if isinstance(options, Mapping) and options:
        # "Corresponds to the GoogleSearch tool. No sub-options are supported." (Vertex docs)
        out["web_search_options"] = {}
        ctx.note(
            "'web_search_options': Vertex's Google Search takes no sub-options (user_location, "
            "search_context_size); they were dropped"
        )
