"""Wrongly typed values in a chat request: a TranslationError naming the JSON path, before any request.

The rest of the translation reads values assuming OpenAI's types (``reasoning_effort`` a string, a
message's ``role`` a string...). Without this check a dict where a string belongs surfaced as a bare
``TypeError`` from deep inside, or was sent to Vertex to come back as an unexplained 400. The types
are OpenAI's (API reference, chat.completions.create); ``None`` stands for "not set" everywhere, as
in OpenAI's API. Tools, ``tool_choice``, ``response_format`` and JSON schemas have their own checks
(chat.py, schema*.py) and are left to them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..exceptions import TranslationError

__all__ = ["check_types"]

Check = Callable[[object], bool]


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_bool(value: object) -> bool:
    return isinstance(value, bool)


def _is_object(value: object) -> bool:
    return isinstance(value, Mapping)


def _is_list(value: object) -> bool:
    return isinstance(value, (list, tuple))


def _is_stop(value: object) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


_TOP: dict[str, tuple[Check, str]] = {
    "model": (_is_str, "a string"),
    "reasoning_effort": (_is_str, "a string such as 'low', 'medium' or 'high'"),
    "verbosity": (_is_str, "a string"),
    "user": (_is_str, "a string"),
    "safety_identifier": (_is_str, "a string"),
    "prompt_cache_key": (_is_str, "a string"),
    "service_tier": (_is_str, "a string"),
    "temperature": (_is_number, "a number"),
    "top_p": (_is_number, "a number"),
    "presence_penalty": (_is_number, "a number"),
    "frequency_penalty": (_is_number, "a number"),
    "max_tokens": (_is_int, "an integer"),
    "max_completion_tokens": (_is_int, "an integer"),
    "n": (_is_int, "an integer"),
    "seed": (_is_int, "an integer"),
    "top_logprobs": (_is_int, "an integer"),
    "stream": (_is_bool, "true or false"),
    "logprobs": (_is_bool, "true or false"),
    "parallel_tool_calls": (_is_bool, "true or false"),
    "store": (_is_bool, "true or false"),
    "stop": (_is_stop, "a string or a list of strings"),
    "stream_options": (_is_object, "an object such as {'include_usage': true}"),
    "web_search_options": (_is_object, "an object"),
    "metadata": (_is_object, "an object"),
    "logit_bias": (_is_object, "an object"),
    "prediction": (_is_object, "an object"),
    "audio": (_is_object, "an object"),
    "modalities": (_is_list, "a list"),
    "messages": (_is_list, "a list of message objects"),
    "google": (_is_object, "an object (Vertex's extension fields)"),
}

# The documented `extra_body.google` fields ("Using OpenAI libraries with Vertex AI", extra_body features;
# vertex_compat.md): their proto types, so a wrong one fails here instead of as Vertex's 400.
_GOOGLE: dict[str, tuple[Check, str]] = {
    "thinking_config": (_is_object, "an object such as {'thinking_budget': 1024}"),
    "thought_tag_marker": (_is_str, "a string such as 'think'"),
    "cached_content": (_is_str, "a string (the cached content's resource name)"),
    "safety_settings": (_is_list, "a list of safety setting objects"),
    "media_resolution": (_is_str, "a string"),
    "stream_function_call_arguments": (_is_bool, "true or false"),
    "tools": (_is_list, "a list of Gemini tool objects"),
}

_THINKING: dict[str, tuple[Check, str]] = {
    "thinking_budget": (_is_int, "an integer"),
    "include_thoughts": (_is_bool, "true or false"),
    "thinking_level": (_is_str, "a string such as 'low' or 'high'"),
}

_MESSAGE: dict[str, tuple[Check, str]] = {
    "role": (_is_str, "a string such as 'user'"),
    "name": (_is_str, "a string"),
    "tool_call_id": (_is_str, "a string"),
    "refusal": (_is_str, "a string"),
    "tool_calls": (_is_list, "a list of tool calls"),
    "function_call": (_is_object, "an object"),
}

_PART: dict[str, dict[str, tuple[Check, str]]] = {
    "text": {"text": (_is_str, "a string")},
    # The string form is not OpenAI's, but clients send it and the translation keeps it (test_translate).
    "image_url": {"image_url": (lambda v: _is_object(v) or _is_str(v), "an object with a 'url'")},
    "input_audio": {"input_audio": (_is_object, "an object")},
    "file": {"file": (_is_object, "an object")},
    "refusal": {"refusal": (_is_str, "a string")},
}


def _kind(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list"}
    if isinstance(value, Mapping):
        return "an object"
    return names.get(type(value), f"a {type(value).__name__}")


def _fail(path: str, expected: str, value: object) -> TranslationError:
    return TranslationError(f"{path} must be {expected}, got {_kind(value)}. Nothing was sent.")


def _fields(obj: Mapping[str, Any], rules: Mapping[str, tuple[Check, str]], prefix: str) -> None:
    for key, (check, expected) in rules.items():
        value = obj.get(key)
        if value is not None and not check(value):
            raise _fail(f"{prefix}{key}", expected, value)


def check_types(body: Mapping[str, Any]) -> None:
    """Raise TranslationError for the first value whose type OpenAI's API would refuse."""
    _fields(body, _TOP, "")
    wire = body.get("extra_body")  # where merge_extra put every form of the `google` extension
    google = wire.get("google") if isinstance(wire, Mapping) else None
    if isinstance(google, Mapping):
        _fields(google, _GOOGLE, "extra_body.google.")
        if isinstance(google.get("thinking_config"), Mapping):
            _fields(google["thinking_config"], _THINKING, "extra_body.google.thinking_config.")
    for i, message in enumerate(body.get("messages") or ()):
        _message(message, f"messages[{i}]")


def _message(message: object, path: str) -> None:
    if not isinstance(message, Mapping):
        if hasattr(message, "model_dump"):  # an SDK model appended as is: the SDK serializes it
            return
        raise _fail(path, "a message object", message)
    _fields(message, _MESSAGE, f"{path}.")
    content = message.get("content")
    if content is not None and not isinstance(content, str):
        if not _is_list(content):
            raise _fail(f"{path}.content", "a string or a list of content parts", content)
        for j, part in enumerate(content):
            _part(part, f"{path}.content[{j}]")
    for j, call in enumerate(message.get("tool_calls") or ()):
        _tool_call(call, f"{path}.tool_calls[{j}]")


def _part(part: object, path: str) -> None:
    if not isinstance(part, Mapping):
        raise _fail(path, "a content part object such as {'type': 'text', 'text': ...}", part)
    kind = part.get("type")
    if not isinstance(kind, str):
        raise _fail(f"{path}.type", "a string such as 'text' or 'image_url'", kind)
    _fields(part, _PART.get(kind, {}), f"{path}.")
    image = part.get("image_url")
    if kind == "image_url" and isinstance(image, Mapping) and not isinstance(image.get("url"), str):
        raise _fail(f"{path}.image_url.url", "a string (an https: or data: URL)", image.get("url"))


def _tool_call(call: object, path: str) -> None:
    if not isinstance(call, Mapping):
        raise _fail(path, "a tool call object", call)
    _fields(call, {"id": (_is_str, "a string"), "type": (_is_str, "a string")}, f"{path}.")
    function = call.get("function")
    if function is None:
        return
    if not isinstance(function, Mapping):
        raise _fail(f"{path}.function", "an object with 'name' and 'arguments'", function)
    _fields(
        function,
        {"name": (_is_str, "a string"), "arguments": (_is_str, "a JSON string")},
        f"{path}.function.",
    )
