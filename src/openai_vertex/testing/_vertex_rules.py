"""How Vertex's OpenAI-compatible endpoint judges a Chat Completions body (as far as it is known).

Kept apart from the server so the rules can be read, and extended, on their own. Each rule answers
the way Vertex does (status, Google status name, message text), so a translation test against the
fake proves the translated body would be accepted. Sources: shared/research/vertex_compat.md §1.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Collection
from typing import Any

__all__ = [
    "CHAT_MODELS",
    "DOCUMENTED_PARAMS",
    "VertexError",
    "check_deployed_model",
    "check_model",
    "google_error",
    "google_extension",
    "ignored_keys",
    "model_id",
    "validate_body",
]

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_DEFAULT_MESSAGES = {
    400: "Request contains an invalid argument.",
    401: (
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
        "other valid authentication credential. "
        "See https://developers.google.com/identity/sign-in/web/devconsole-project."
    ),
    403: "Permission denied on resource (or it may not exist).",
    404: "Requested entity was not found.",
    429: (
        "Resource exhausted. Please try again later. Please refer to "
        "https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details."
    ),
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
    504: "Deadline expired before operation could complete.",
}

# "If you pass any unsupported parameter, it is ignored." (Vertex docs); these are the listed ones.
DOCUMENTED_PARAMS = frozenset(
    {
        "messages", "model", "max_tokens", "max_completion_tokens", "modalities", "n",
        "frequency_penalty", "presence_penalty", "reasoning_effort", "response_format", "seed", "stop",
        "stream", "temperature", "top_p", "tools", "tool_choice", "web_search_options",
        "function_call", "functions", "extra_body", "google",
    }
)  # fmt: skip
_ROLES = frozenset({"system", "user", "assistant", "tool", "function"})
_TOOL_CHOICES = ("none", "auto", "required", "validated")
# The OpenAPI Schema fields Vertex's proto has (see vertex_compat.md §3.1, `Schema` TypedDict).
_SCHEMA_KEYS = frozenset(
    {
        "type", "format", "title", "description", "nullable", "default", "items", "minItems", "maxItems",
        "enum", "properties", "propertyOrdering", "required", "minProperties", "maxProperties", "minimum",
        "maximum", "minLength", "maxLength", "pattern", "example", "anyOf",
    }
)  # fmt: skip
_SCHEMA_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object", "null"})
# The Gemini models the OpenAI-compatible endpoint serves: "Supported models > Gemini models" of
# https://docs.cloud.google.com/vertex-ai/generative-ai/docs/migrate/openai/overview (last updated
# 2026-09-03: 3.8/3.7/3.6 Flash, 3.5 Flash-Lite, 3.5 Flash, 3.1 Pro preview, 3.1 Flash-Lite, 3 Flash
# preview, 2.5 Pro, 2.5 Flash), each spelled with its model id from "Latest available models",
# https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/model-versions, and the preview
# ids from https://ai.google.dev/gemini-api/docs/deprecations. Where each is served: _vertex_limits.
# Any other id (retired ones such as gemini-2.0-flash-001 or gemini-3-pro-preview, Gemma, aliases) is
# refused; `FakeVertex(extra_models=...)` adds ids newer than this list.
CHAT_MODELS = (
    "gemini-3.8-flash", "gemini-3.7-flash", "gemini-3.6-flash", "gemini-3.5-flash-lite",
    "gemini-3.5-flash", "gemini-3.1-pro-preview", "gemini-3.1-flash-lite", "gemini-3-flash-preview",
    "gemini-2.5-pro", "gemini-2.5-flash",
)  # fmt: skip
_FUNCTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:\-]{0,63}$")
_EMPTY_TEXT = (
    "Unable to submit request because it has an empty text parameter. Add a value to the parameter "
    "and try again. Learn more: https://cloud.google.com/vertex-ai/generative-ai/docs/multimodal/gemini-api-errors"
)


class VertexError(Exception):
    """An error answer: HTTP status and Google's message; rendered with `google_error`."""

    def __init__(self, code: int, message: str | None = None, details: list[dict[str, Any]] | None = None):
        super().__init__(code, message)
        self.code = code
        self.message = message if message is not None else _DEFAULT_MESSAGES.get(code, "Unknown error.")
        self.details = details


def google_error(
    code: int, message: str | None = None, details: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Google's error object wrapped in a JSON array, the shape the openapi endpoint answers with."""
    error: dict[str, Any] = {
        "code": code,
        "message": message if message is not None else _DEFAULT_MESSAGES.get(code, "Unknown error."),
        "status": _STATUS_NAMES.get(code, "UNKNOWN"),
    }
    if details:
        error["details"] = details
    return [{"error": error}]


def ignored_keys(body: dict[str, Any]) -> tuple[str, ...]:
    return tuple(k for k in body if k not in DOCUMENTED_PARAMS)


def google_extension(body: dict[str, Any]) -> dict[str, Any]:
    """``extra_body.google`` as documented, or a top-level ``google`` (seen in community proxies)."""
    extra = body.get("extra_body")
    found = extra.get("google") if isinstance(extra, dict) else None
    if not isinstance(found, dict):
        found = body.get("google")
    return found if isinstance(found, dict) else {}


def model_id(body: dict[str, Any]) -> str:
    """``gemini-2.5-flash`` for ``google/gemini-2.5-flash``; a self-deployed model's name as it is."""
    return str(body["model"]).rpartition("/")[2]


def validate_body(body: dict[str, Any], *, resource: str, extra_models: Collection[str] = ()) -> None:
    """Raise `VertexError` for the first problem Vertex would report; ``resource`` is
    ``projects/P/locations/L`` for the 404 text; ``extra_models`` are ids accepted beyond `CHAT_MODELS`."""
    check_model(body.get("model"), resource, extra_models)
    _validate_request(body, model_id(body))


def check_deployed_model(body: dict[str, Any], deployed: str, resource: str) -> None:
    """A body for a self-deployed ``endpoints/{id}``. ``model``: Google's samples omit it (REST) or pass
    the deployed model's id (Python, ``model=model_id`` with ``"gemma-2-9b-it"``), "Call a self-deployed
    model", https://docs.cloud.google.com/vertex-ai/generative-ai/docs/migrate/openai/examples; the docs
    are silent on any other value, so the fake refuses it. The Gemini rules do not apply: "Parameter
    support for third-party models varies by model" (.../migrate/openai/overview); only the shape of
    ``messages`` is checked."""
    model = body.get("model")
    if model is not None and model != deployed:
        hint = " Gemini models are served on `endpoints/openapi`." if str(model).startswith("google/") else ""
        raise VertexError(
            400,
            f"Request contains an invalid argument: model {_short(model)} is not the model deployed on "
            f"`{resource}` ({deployed!r}). (fake Vertex: the documents show `model` omitted or set to the "
            f"deployed model's id; the fake is strict about anything else.){hint}",
        )
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise VertexError(400, "Invalid JSON payload received. 'messages' must be a non-empty list.")
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict) or not isinstance(msg.get("role"), str):
            raise VertexError(400, f"Invalid JSON payload received. Invalid value at 'messages[{i}]'.")
        _check_content(msg.get("content"), f"messages[{i}].content")


def _validate_request(body: dict[str, Any], model: str) -> None:
    _check_messages(body.get("messages"), model)
    choice = body.get("tool_choice")
    if choice is not None and choice not in _TOOL_CHOICES:
        kind = "TYPE_STRING" if isinstance(choice, str) else "type.googleapis.com/google.protobuf.Value"
        raise VertexError(
            400, f"Invalid JSON payload received. Invalid value at 'tool_choice' ({kind}), {_short(choice)}"
        )
    tools, legacy = body.get("tools") or [], body.get("functions") or []
    if not isinstance(tools, list) or not isinstance(legacy, list):
        raise VertexError(400, "Invalid JSON payload received. Invalid value at 'tools'.")
    functions = [t.get("function") if isinstance(t, dict) else None for t in tools] + legacy
    for i, fn in enumerate(functions):
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise VertexError(400, f"Invalid JSON payload received. Invalid value at 'tools[{i}]'.")
        if not _FUNCTION_NAME.match(fn["name"]):
            raise VertexError(
                400,
                f"* GenerateContentRequest.tools[0].function_declarations[{i}].name: Invalid function name. "
                "Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores "
                "(_), dots (.), colons (:), or dashes (-), with a maximum length of 64.\n",
            )
        if fn.get("parameters") is not None:
            _check_schema(fn["parameters"], f"tools[0].function_declarations[{i}].parameters", False)
    _check_response_format(body.get("response_format"))
    if body.get("reasoning_effort") is not None and "thinking_config" in google_extension(body):
        raise VertexError(
            400, "Only one of reasoning_effort or extra_body.google.thinking_config may be specified."
        )


def check_model(model: Any, resource: str, extra_models: Collection[str]) -> None:
    """Raise Vertex's 404 for a ``publisher/model`` the endpoint does not serve (400 if malformed)."""
    if not isinstance(model, str) or not model:
        raise VertexError(400, "Malformed publisher model: model is required.")
    publisher, slash, name = model.partition("/")
    if not slash or not publisher or not name or "/" in name:
        raise VertexError(400, f"Malformed publisher model: `{model[:80]}`. Use `publisher/model`.")
    known = (*CHAT_MODELS, *extra_models)
    if publisher != "google" or name not in known:
        # Vertex: 404 NOT_FOUND "Publisher Model `...` not found." (vertex_compat.md §1.1, preview ids).
        # It names no alternatives; the fake adds the closest documented ids, and says so.
        closest = difflib.get_close_matches(name, known, n=3, cutoff=0.5) or list(CHAT_MODELS[:3])
        raise VertexError(
            404,
            f"Publisher Model `{resource}/publishers/{publisher}/models/{name}` not found. (fake Vertex: "
            f"not a Gemini model id the OpenAI-compatible endpoint documents; closest: "
            f"{', '.join('google/' + c for c in closest)}. A newer id: FakeVertex(extra_models=[...]), or "
            "--extra-model ID for the openai-vertex emulator.)",
        )


def _check_messages(messages: Any, model: str) -> None:
    if not isinstance(messages, list) or not messages:
        raise VertexError(400, "Invalid JSON payload received. 'messages' must be a non-empty list.")
    block = 0  # Gemini "content block" numbering: system messages are not contents
    previous_role = None
    for i, msg in enumerate(messages):
        role = msg.get("role") if isinstance(msg, dict) else None
        if role not in _ROLES:
            raise VertexError(400, "Please use a valid role: user, model.")
        if role != "system" and not (role in ("tool", "function") and previous_role == role):
            block += 1  # consecutive tool results travel in one content
        previous_role = role
        _check_content(msg.get("content"), f"messages[{i}].content")
        calls = msg.get("tool_calls")
        if role != "assistant" or not calls:
            continue
        if msg.get("content") == "":
            raise VertexError(400, _EMPTY_TEXT)
        if not isinstance(calls, list) or not all(isinstance(c, dict) for c in calls):
            where = f"messages[{i}].tool_calls"
            raise VertexError(400, f"Invalid JSON payload received. Invalid value at '{where}'.")
        first = calls[0]
        google = (first.get("extra_content") or {}).get("google") or {}
        signature = google.get("thought_signature") if isinstance(google, dict) else None
        if model.startswith("gemini-3") and not (isinstance(signature, str) and signature):
            name = (first.get("function") or {}).get("name", "")
            raise VertexError(
                400,
                f"Unable to submit request because function call `{name}` in the {block}. content block is "
                "missing a thought_signature. Learn more: "
                "https://docs.cloud.google.com/vertex-ai/generative-ai/docs/thought-signatures",
            )


def _check_content(content: Any, path: str) -> None:
    """A message's content is a string, null, or a list of typed parts: the endpoint parses the body into
    typed fields and answers any other shape with 400 "Invalid JSON payload received" (protobuf's JSON
    mapping, https://protobuf.dev/programming-guides/json/)."""
    if content is None or isinstance(content, str):
        return
    if isinstance(content, list) and all(
        isinstance(p, dict) and isinstance(p.get("type"), str) for p in content
    ):
        return
    raise VertexError(400, f"Invalid JSON payload received. Invalid value at '{path}', {_short(content)}")


def _check_response_format(fmt: Any) -> None:
    if fmt is None:
        return
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind not in ("text", "json_object", "json_schema"):
        raise VertexError(
            400, f"Invalid JSON payload received. Invalid value at 'response_format.type', {_short(kind)}"
        )
    if kind == "json_schema":
        spec = fmt.get("json_schema")
        if not isinstance(spec, dict):  # a typed field (protobuf's JSON mapping): an object or nothing
            raise VertexError(
                400,
                "Invalid JSON payload received. Invalid value at 'response_format.json_schema', "
                + _short(spec),
            )
        schema = spec.get("schema")
        if schema is not None:
            _check_schema(schema, "generation_config.response_schema", True)


def _check_schema(node: Any, path: str, allow_additional: bool) -> None:
    """Walk a schema like the proto parser: unknown field names and bad types are 400s."""
    if not isinstance(node, dict):
        raise VertexError(
            400,
            f"Invalid JSON payload received. Invalid value at '{path}' "
            f"(type.googleapis.com/google.cloud.aiplatform.v1.Schema), {_short(node)}",
        )
    allowed = _SCHEMA_KEYS | {"additionalProperties"} if allow_additional else _SCHEMA_KEYS
    for key in node:
        if key not in allowed:
            raise VertexError(
                400, f"Invalid JSON payload received. Unknown name \"{key}\" at '{path}': Cannot find field."
            )
    kind = node.get("type")
    if kind is not None and not (isinstance(kind, str) and kind.lower() in _SCHEMA_TYPES):
        raise VertexError(
            400,
            f"Invalid JSON payload received. Invalid value at '{path}.type' "
            f"(type.googleapis.com/google.cloud.aiplatform.v1.Type), {_short(kind)}",
        )
    enum = node.get("enum")  # Schema.enum is `repeated string` (_check_enum)
    if enum is not None and not allow_additional:
        _check_enum(enum, f"{path}.enum")
    required = node.get("required")  # Schema.required is `repeated string`
    if required is not None and not (
        isinstance(required, list) and all(isinstance(r, str) for r in required)
    ):
        raise VertexError(
            400, f"Invalid JSON payload received. Invalid value at '{path}.required', {_short(required)}"
        )
    props = node.get("properties")
    if props is not None:
        if not isinstance(props, dict):
            raise VertexError(400, f"Invalid JSON payload received. Invalid value at '{path}.properties'.")
        for index, value in enumerate(props.values()):
            _check_schema(value, f"{path}.properties[{index}].value", allow_additional)
    if "items" in node:
        _check_schema(node["items"], f"{path}.items", allow_additional)
    for index, member in enumerate(node.get("anyOf") or []):
        _check_schema(member, f"{path}.any_of[{index}]", allow_additional)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        _check_schema(extra, f"{path}.additional_properties", allow_additional)


def _check_enum(enum: Any, path: str) -> None:
    """Tool parameters are an OpenAPI ``Schema`` whose ``enum`` is ``repeated string``
    (https://cloud.google.com/vertex-ai/docs/reference/rest/v1/Schema: "enum[]: string"; integer enums
    are ``{"type": "INTEGER", "format": "enum", "enum": ["101", "201"]}`` there). Protobuf's JSON
    mapping takes only JSON strings for a string field (https://protobuf.dev/programming-guides/json/),
    so a number is a 400. ``response_format.json_schema`` is standard JSON Schema and is not checked."""
    if not isinstance(enum, list):
        raise VertexError(400, f"Invalid JSON payload received. Invalid value at '{path}', {_short(enum)}")
    for index, value in enumerate(enum):
        if not isinstance(value, str):
            raise VertexError(
                400,
                f"Invalid JSON payload received. Invalid value at '{path}[{index}]' (TYPE_STRING), "
                + _short(value),
            )


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
