"""Translate a Chat Completions request body into the body Vertex's endpoint accepts.

A pure function of (body, settings, extra_body): it never mutates its input and never does I/O.
The result shares every unchanged sub-object with the input (and converted schemas with the schema
cache), so treat it as read-only. What it cannot express raises ``TranslationError`` before any
request; what it approximates or drops comes back as notes, which the client shows as warnings.

This module orchestrates and owns the schema-bearing parameters (tools, tool_choice, the deprecated
functions/function_call, response_format); ``messages.py`` and ``params.py`` do the rest.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._settings import Settings
from ..exceptions import TranslationError
from .messages import translate_messages
from .model import vertex_model
from .params import HANDLED, Context, merge_extra, translate_params
from .schema import content_key, convert_schema, convert_uncached, memoized
from .signatures import restore_signatures
from .thoughts import with_thought_marker
from .types import check_types

__all__ = ["Translation", "translate_chat_body"]

_TOOLING = frozenset({"tools", "tool_choice", "functions", "function_call", "parallel_tool_calls"})
_ALL = HANDLED | _TOOLING | {"response_format"}
# tool_choice strings Vertex documents; "validated" is Google's mode that enforces the schema.
_MODES = ("none", "auto", "required", "validated")
_IMMUTABLE = frozenset({str, int, float, bool, type(None)})  # exact types: a subclass may be mutable


@dataclass(frozen=True)
class Translation:
    body: dict[str, Any]
    notes: tuple[str, ...] = ()


def translate_chat_body(
    body: Mapping[str, Any], settings: Settings, extra: Mapping[str, Any] | None = None
) -> Translation:
    """``extra`` is the SDK's ``extra_body`` (``options.extra_json``), which the caller must then drop."""
    out = dict(body)
    own = merge_extra(out, extra) if extra or "extra_body" in out or "google" in out else frozenset()
    check_types(out)  # wrongly typed values: a TranslationError naming the path, before anything else
    if own or "extra_body" in out:
        # Thought summaries asked for without a marker would be mixed into content: ask for tags.
        out = with_thought_marker(out) or out
    model = out.get("model")
    if isinstance(model, str):
        model = out["model"] = vertex_model(model, settings.model_aliases)
    ctx = Context(settings.unsupported_params, model if isinstance(model, str) else "")
    messages = out.get("messages")
    if isinstance(messages, Sequence) and not isinstance(messages, str) and not messages:
        # Vertex rejects an empty list with a 400; say what to change before anything is sent.
        raise TranslationError("messages is empty; pass at least one message, e.g. a user message.")
    if messages is not None:
        new = translate_messages(messages, ctx)
        if isinstance(new, list) or (isinstance(new, Sequence) and not isinstance(new, str)):
            new = restore_signatures(new)  # Gemini 3 thought signatures carried in tool-call ids
        if new is not messages:
            out["messages"] = new
    keys = [k for k in out if k in _ALL]  # in body order, so notes and errors come out stable
    if keys:
        if not _TOOLING.isdisjoint(keys):
            _tools(out, ctx)
        if "response_format" in out:
            _response_format(out, ctx)
        translate_params(out, [k for k in keys if k in HANDLED], ctx, own)
    return Translation(out, ctx.finish())


# ---- tools, tool_choice, functions, function_call ---------------------------------------------------


def _tools(out: dict[str, Any], ctx: Context) -> None:
    tools, label = _legacy_functions(out)
    choice = out.get("tool_choice")
    parallel = out.pop("parallel_tool_calls", None)
    mode, allowed = _choice(choice)
    if tools is None:
        if allowed is not None:
            raise TranslationError(f"tool_choice names {allowed[0]!r}, but the request has no tools")
        return
    # `isinstance(x, list)`/`(x, dict)` first, here and below: ABC checks are slow on the hot path.
    if not isinstance(tools, list) and (not isinstance(tools, Sequence) or isinstance(tools, (str, bytes))):
        raise TranslationError(f"{label} must be a list of tools")
    indexed = list(enumerate(tools))
    if allowed is not None:
        # Vertex's tool_choice takes modes only: a named function (or allowed_tools) becomes the mode
        # plus a tools list cut down to those functions, which is what the model may then call.
        indexed = _narrow(indexed, allowed, label)
        out["tool_choice"] = mode
    converted, notes = _converted_tools(tools, allowed, indexed, label)
    out["tools"] = converted
    ctx.notes.extend(notes)
    if parallel is False and len(converted) > 1:
        ctx.unsupported_param("parallel_tool_calls")


def _legacy_functions(out: dict[str, Any]) -> tuple[Any, str]:
    """The deprecated ``functions``/``function_call`` as ``tools``/``tool_choice``; (tools, their name)."""
    functions = out.pop("functions", None)
    function_call = out.pop("function_call", None)
    if function_call is not None:
        if out.get("tool_choice") is not None:
            raise TranslationError(
                "both tool_choice and the deprecated function_call were given; keep only tool_choice"
            )
        if isinstance(function_call, Mapping):
            out["tool_choice"] = {"type": "function", "function": {"name": function_call.get("name")}}
        else:
            out["tool_choice"] = function_call
    if functions is None:
        return out.get("tools"), "tools"
    if out.get("tools") is not None:
        raise TranslationError(
            "both tools and the deprecated functions were given; move each function into "
            "tools=[{'type': 'function', 'function': {...}}]"
        )
    return functions, "functions"


def _choice(choice: Any) -> tuple[str | None, list[str] | None]:
    """(the Vertex mode, the function names it is limited to or None)."""
    if choice is None or choice in _MODES:
        return choice, None
    kind = choice.get("type") if isinstance(choice, Mapping) else None
    if kind == "function":
        fn = choice.get("function")
        name = fn.get("name") if isinstance(fn, Mapping) else None
        if not isinstance(name, str):
            raise TranslationError("tool_choice {'type': 'function', ...} needs function.name")
        return "required", [name]
    if kind == "allowed_tools":
        spec = choice.get("allowed_tools")
        spec = spec if isinstance(spec, Mapping) else {}
        mode = spec.get("mode")
        if mode not in ("auto", "required"):
            raise TranslationError(
                f"tool_choice allowed_tools.mode must be 'auto' or 'required', not {mode!r}"
            )
        names = [_allowed_name(t) for t in spec.get("tools") or ()]
        if not names:
            raise TranslationError("tool_choice allowed_tools.tools must list at least one function")
        return mode, names
    raise TranslationError(
        f"tool_choice {choice!r} is not supported by Vertex; use 'none', 'auto', 'required', 'validated', "
        "{'type': 'function', 'function': {'name': ...}} or {'type': 'allowed_tools', ...}"
    )


def _allowed_name(tool: Any) -> str:
    fn = tool.get("function") if isinstance(tool, Mapping) else None
    name = fn.get("name") if isinstance(fn, Mapping) else None
    if not isinstance(name, str) or tool.get("type", "function") != "function":
        raise TranslationError(
            "tool_choice allowed_tools.tools entries must be "
            "{'type': 'function', 'function': {'name': ...}}; Vertex has function tools only"
        )
    return name


def _narrow(indexed: list[tuple[int, Any]], allowed: list[str], label: str) -> list[tuple[int, Any]]:
    names = [_name(tool) for _, tool in indexed]
    missing = [name for name in allowed if name not in names]
    if missing:
        known = ", ".join(repr(n) for n in names if n is not None) or "none"
        raise TranslationError(
            f"tool_choice names {', '.join(repr(m) for m in missing)}, which {label} does not define; "
            f"the known functions are: {known}"
        )
    wanted = set(allowed)
    return [(i, tool) for i, tool in indexed if _name(tool) in wanted]


def _name(tool: Any) -> str | None:
    if not isinstance(tool, Mapping):
        return None
    fn = tool.get("function", tool)  # a deprecated `functions` entry is the function itself
    name = fn.get("name") if isinstance(fn, Mapping) else None
    return name if isinstance(name, str) else None


def _converted_tools(
    tools: Sequence[Any], allowed: list[str] | None, indexed: list[tuple[int, Any]], label: str
) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """``indexed`` converted, with their schema notes: memoized as a whole, by what determines them."""
    try:
        key = ("tools", label, None if allowed is None else tuple(allowed), content_key(tools))
    except (ValueError, RecursionError):  # not plain data (a Mapping that is not a dict, ...)
        return _convert_tools(indexed, label, whole=False)
    tools, notes = memoized(key, lambda: _convert_tools(indexed, label, whole=True))
    return list(tools), notes  # a list of our own: the caller may not append to the memo


def _convert_tools(
    indexed: list[tuple[int, Any]], label: str, whole: bool
) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """``whole``: the result is memoized as a whole (not each schema), so it must own its values."""
    notes: list[str] = []
    tools = [_tool(tool, f"{label}[{i}]", label == "functions", notes, whole) for i, tool in indexed]
    return tools, tuple(notes)


def _tool(tool: Any, where: str, legacy: bool, notes: list[str], whole: bool) -> dict[str, Any]:
    if tool.__class__ is not dict and not isinstance(tool, Mapping):
        raise TranslationError(f"{where} must be an object")
    if legacy:
        fn: Any = tool
    else:
        kind = tool.get("type", "function")
        if kind != "function":
            raise TranslationError(
                f"{where} has type {kind!r}; Vertex takes function tools only (type 'function'). "
                "For Google Search use web_search_options={} instead of a search tool."
            )
        fn = tool.get("function")
        where += ".function"
        if fn.__class__ is not dict and not isinstance(fn, Mapping):
            raise TranslationError(f"{where} must be an object with a 'name'")
    # `strict` is not a Vertex field; tool_choice='validated' is Vertex's way to enforce the schema.
    new_fn = dict(fn) if fn.__class__ is dict else {k: v for k, v in fn.items()}
    new_fn.pop("strict", None)
    if whole:  # a memoized tool shares no mutable value with the caller's request
        for k, v in new_fn.items():
            if v.__class__ not in _IMMUTABLE and k != "parameters":
                new_fn[k] = copy.deepcopy(v)
    params = fn.get("parameters")
    if params is not None:
        where += ".parameters"
        if whole:  # (memoized with the whole tool list)
            new_fn["parameters"], more = convert_uncached(params, False, where)
        else:
            converted = convert_schema(params, response=False, where=where)
            new_fn["parameters"], more = converted.schema, converted.notes
        notes.extend(more)
    return {"type": "function", "function": new_fn}


# ---- response_format -----------------------------------------------------------------------------


def _response_format(out: dict[str, Any], ctx: Context) -> None:
    fmt = out["response_format"]
    kind = fmt.get("type") if isinstance(fmt, (dict, Mapping)) else None
    if fmt is None or kind in ("text", "json_object"):
        return  # Vertex maps these to text/plain and application/json itself
    if kind == "json_schema":
        spec = fmt.get("json_schema")
        if not isinstance(spec, dict) and not isinstance(spec, Mapping):
            raise TranslationError("response_format json_schema needs a 'json_schema' object with a 'schema'")
        # `strict` dropped without a note: Vertex always constrains decoding to the response schema.
        new_spec = {k: v for k, v in spec.items() if k != "strict"}
        schema = spec.get("schema")
        if schema is not None:
            converted = convert_schema(schema, response=True, where="response_format")
            new_spec["schema"] = converted.schema
            ctx.notes.extend(converted.notes)
        out["response_format"] = {**fmt, "json_schema": new_spec}
        return
    if isinstance(kind, str) and "/" in kind:
        return  # a MIME type: "passed as is to the model" (Vertex docs)
    raise TranslationError(
        f"response_format type {kind!r} is not supported by Vertex; use 'text', 'json_object' or "
        "'json_schema' (or a MIME type such as 'application/json')"
    )
