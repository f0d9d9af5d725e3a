"""A Responses request body -> a `Plan`: the Vertex-ready chat body plus what the reply echoes.

Pure: a function of (body, settings, extra_body); no I/O, the input is never mutated. The chat body
goes through the one chat translation (``_translate/chat.py``: schemas, tools, images, signatures,
the ``unsupported_params`` policy), so every rule lives once. Responses-only fields that Vertex has no
counterpart for go through the same policy (``Context``), their notes naming the Responses field.
Field list: research/responses_embeddings.md A.1; mapping: A.8.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._settings import Settings
from .._translate.chat import translate_chat_body
from .._translate.params import Context
from ..exceptions import TranslationError
from . import PLAN_KEY
from .items import input_items, messages_from_items
from .reply import as_mapping

__all__ = ["Plan", "plan_request"]

_WEB_SEARCH = frozenset(
    {"web_search", "web_search_2025_08_26", "web_search_preview", "web_search_preview_2025_03_11"}
)
# Hosted tools Vertex's chat endpoint cannot serve, with what to use instead.
_REFUSED_TOOLS = {
    "file_search": "Vertex has no vector stores; use the Vertex AI RAG Engine or Vertex AI Search",
    "code_interpreter": "use Gemini's code execution tool through google-genai",
    "computer_use_preview": "use Gemini's Computer Use model through google-genai",
    "computer": "use Gemini's Computer Use model through google-genai",
    "computer_use": "use Gemini's Computer Use model through google-genai",
    "image_generation": "use a Gemini image model (e.g. gemini-2.5-flash-image) through chat completions",
    "mcp": "connect the MCP server on the client side (e.g. openai-agents' MCPServer classes), which exposes "
    "its tools as function tools",
}
# Request fields that need OpenAI's server: refused (they would change what the model sees).
_REFUSED_FIELDS = {
    "conversation": "the Conversations API is OpenAI's server-side state; use previous_response_id (kept in "
    "openai-vertex's local response store) or send the whole history as input",
    "prompt": "prompt templates are stored on OpenAI's server; send instructions and input instead",
}
# Responses fields kept locally (echoed, stored) or translated below; anything else is unsupported.
_LOCAL = frozenset(
    {"model", "input", "instructions", "stream", "store", "previous_response_id", "metadata", "include",
     "tools", "tool_choice", "parallel_tool_calls", "text", "reasoning", "max_output_tokens", "temperature",
     "top_p", "truncation", "background", "stream_options", "google", "extra_body"}
)  # fmt: skip
# Unsupported, but these values ask for OpenAI's default behaviour: dropping them changes nothing.
_DEFAULT_VALUES: dict[str, tuple[Any, ...]] = {"service_tier": ("auto", "default")}
_INCLUDE_OK = frozenset(
    {"reasoning.encrypted_content", "message.input_image.image_url", "web_search_call.action.sources",
     "web_search_call.results"}
)  # fmt: skip
# Vertex's documented thinking budgets for reasoning_effort (vertex_compat.md §1.2).
_BUDGETS = {"minimal": 1024, "low": 1024, "medium": 8192, "high": 24576, "xhigh": 24576, "max": 24576}


@dataclass(frozen=True)
class Plan:
    """What one ``responses.create`` needs after translation (JSON-ready: it travels as the body)."""

    chat: dict[str, Any]  # the Vertex chat body, without earlier turns
    echo: dict[str, Any]  # the request fields a Response repeats
    input: list[dict[str, Any]]  # this request's input items (for input_items.list)
    system: int  # how many leading chat messages are this request's instructions
    store: bool
    previous_response_id: str | None
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            PLAN_KEY: 1,
            "chat": self.chat,
            "echo": self.echo,
            "input": self.input,
            "system": self.system,
            "store": self.store,
            "previous_response_id": self.previous_response_id,
        }


def plan_request(body: Mapping[str, Any], settings: Settings, extra: Mapping[str, Any] | None = None) -> Plan:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise TranslationError("responses.create needs model=")
    ctx = Context(settings.unsupported_params, model)
    _refuse(body)
    for key, value in body.items():
        if key not in _LOCAL and key not in _REFUSED_FIELDS:
            _unsupported(ctx, key, value)
    items = input_items(body.get("input"))
    instructions = body.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        raise TranslationError("instructions must be a string")
    system = [{"role": "system", "content": instructions}] if instructions else []
    chat: dict[str, Any] = {"model": model, "messages": [*system, *messages_from_items(items)]}
    if body.get("stream"):
        chat["stream"] = True
    for key in ("temperature", "top_p"):
        if body.get(key) is not None:
            chat[key] = body[key]
    if body.get("max_output_tokens") is not None:
        chat["max_completion_tokens"] = body["max_output_tokens"]
    if body.get("parallel_tool_calls") is not None:
        chat["parallel_tool_calls"] = body["parallel_tool_calls"]
    for key in ("google", "extra_body"):  # Vertex extensions sent raw in the body
        if key in body:
            chat[key] = body[key]
    _tools(body.get("tools"), body.get("tool_choice"), chat, ctx)
    _text(body.get("text"), chat, ctx)
    _reasoning(body.get("reasoning"), chat, ctx, extra)
    _include(body.get("include"), ctx)
    if body.get("truncation") not in (None, "disabled"):
        ctx.unsupported_param("truncation")  # "auto" drops the oldest items server-side; nothing does here
    translation = translate_chat_body(chat, settings, extra)
    if (
        len(translation.body.get("messages") or ()) == len(system)
        and body.get("previous_response_id") is None
    ):
        raise TranslationError("input is empty: give input= (a string or a list of input items)")
    notes = ctx.finish() + translation.notes
    store = body.get("store") is not False
    return Plan(translation.body, _echo(body), items, len(system), store, _previous(body), notes)


def _refuse(body: Mapping[str, Any]) -> None:
    if body.get("background"):
        raise TranslationError(
            "background=True is not supported: Vertex has no background jobs for chat. Run the call in your "
            "own task or thread (e.g. AsyncOpenAI with asyncio.create_task)"
        )
    for key, why in _REFUSED_FIELDS.items():
        if body.get(key) is not None:
            raise TranslationError(f"{key!r} is not supported on Vertex: {why}")


def _unsupported(ctx: Context, key: str, value: Any) -> None:
    if value is None or value is False or value in _DEFAULT_VALUES.get(key, ()):
        return
    if isinstance(value, (str, list, dict)) and not value:
        return
    ctx.unsupported_param(key)


def _previous(body: Mapping[str, Any]) -> str | None:
    previous = body.get("previous_response_id")
    if previous is not None and (not isinstance(previous, str) or not previous):
        raise TranslationError("previous_response_id must be a response id string")
    return previous


def _echo(body: Mapping[str, Any]) -> dict[str, Any]:
    """The request fields a ``Response`` repeats, with OpenAI's defaults where they were omitted."""
    reasoning = as_mapping(body.get("reasoning"))
    text = as_mapping(body.get("text"))
    return {
        "model": body["model"],
        "instructions": body.get("instructions"),
        "metadata": dict(body.get("metadata") or {}),
        "temperature": body.get("temperature"),
        "top_p": body.get("top_p"),
        "max_output_tokens": body.get("max_output_tokens"),
        "previous_response_id": body.get("previous_response_id"),
        "parallel_tool_calls": body.get("parallel_tool_calls", True) is not False,
        "tool_choice": body.get("tool_choice") or "auto",
        "tools": list(body.get("tools") or ()),
        "text": {"format": {"type": "text"}, **text},
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "truncation": body.get("truncation") or "disabled",
        "store": body.get("store") is not False,
        "background": False,
        "user": body.get("user"),
        "service_tier": "default",
    }


# ---- tools ----------------------------------------------------------------------------------------


def _tools(tools: Any, choice: Any, chat: dict[str, Any], ctx: Context) -> None:
    if tools is not None and (not isinstance(tools, Sequence) or isinstance(tools, str)):
        raise TranslationError("tools must be a list of tools")
    functions: list[dict[str, Any]] = []
    search: dict[str, Any] | None = None
    for i, tool in enumerate(tools or ()):
        kind = tool.get("type") if isinstance(tool, Mapping) else None
        if kind == "function":
            functions.append(_function_tool(tool, f"tools[{i}]"))
        elif kind in _WEB_SEARCH:
            # Vertex: web_search_options "Corresponds to the GoogleSearch tool" (sub-options noted there).
            search = {k: v for k, v in tool.items() if k != "type" and v is not None}
        elif kind in _REFUSED_TOOLS:
            raise TranslationError(
                f"tools[{i}]: the hosted {kind!r} tool is not available on Vertex; {_REFUSED_TOOLS[kind]}"
            )
        else:
            raise TranslationError(
                f"tools[{i}]: tools of type {kind!r} are not supported on Vertex; use function tools"
            )
    if search is not None and functions:
        # "Multiple tools are supported only when they are all search tools" (Vertex 400; vertex_compat §1.6).
        raise TranslationError(
            "Vertex cannot combine Google Search (web_search) with function tools in one request; send "
            "them in separate requests, or drop one of them"
        )
    if functions:
        chat["tools"] = functions
    if search is not None:
        chat["web_search_options"] = search
    chat_choice = _tool_choice(choice, search is not None, ctx)
    if chat_choice is not None:
        chat["tool_choice"] = chat_choice


def _function_tool(tool: Mapping[str, Any], where: str) -> dict[str, Any]:
    name = tool.get("name")
    if not isinstance(name, str) or not name:
        raise TranslationError(f"{where}: a function tool needs a name")
    fn: dict[str, Any] = {"name": name}
    for key in ("description", "parameters", "strict"):  # strict: the chat translation decides
        if tool.get(key) is not None:
            fn[key] = tool[key]
    return {"type": "function", "function": fn}


def _tool_choice(choice: Any, search: bool, ctx: Context) -> Any:
    if choice is None or choice in ("none", "auto", "required"):
        return choice if not (search and choice == "required") else None
    kind = choice.get("type") if isinstance(choice, Mapping) else None
    if kind == "function":
        return {"type": "function", "function": {"name": choice.get("name")}}
    if kind == "allowed_tools":
        names = []
        for tool in choice.get("tools") or ():
            if not isinstance(tool, Mapping) or tool.get("type") != "function":
                raise TranslationError(
                    "tool_choice allowed_tools.tools may list function tools only on Vertex"
                )
            names.append({"type": "function", "function": {"name": tool.get("name")}})
        return {"type": "allowed_tools", "allowed_tools": {"mode": choice.get("mode"), "tools": names}}
    if kind in _WEB_SEARCH and search:
        ctx.note(f"tool_choice {kind!r}: Gemini decides itself when to search; the choice was dropped")
        return None
    raise TranslationError(
        f"tool_choice {choice!r} is not supported on Vertex; use 'none', 'auto', 'required', "
        "{'type': 'function', 'name': ...} or {'type': 'allowed_tools', ...}"
    )


# ---- text, reasoning, include -----------------------------------------------------------------------


def _text(text: Any, chat: dict[str, Any], ctx: Context) -> None:
    if text is None:
        return
    if not isinstance(text, Mapping):
        raise TranslationError("text must be an object such as {'format': {'type': 'json_schema', ...}}")
    fmt = text.get("format")
    kind = fmt.get("type") if isinstance(fmt, Mapping) else None
    if kind == "json_object":
        chat["response_format"] = {"type": "json_object"}
    elif kind == "json_schema":
        if not isinstance(fmt, Mapping) or not isinstance(fmt.get("schema"), Mapping):
            raise TranslationError("text.format json_schema needs a 'schema' object")
        spec = {k: fmt[k] for k in ("name", "schema", "strict", "description") if fmt.get(k) is not None}
        chat["response_format"] = {"type": "json_schema", "json_schema": spec}
    elif fmt is not None and kind != "text":
        raise TranslationError(
            f"text.format type {kind!r} is not supported; use 'text', 'json_object' or 'json_schema'"
        )
    if text.get("verbosity") not in (None, "medium"):  # medium is OpenAI's default
        ctx.unsupported_param("text.verbosity")


def _reasoning(reasoning: Any, chat: dict[str, Any], ctx: Context, extra: Mapping[str, Any] | None) -> None:
    if reasoning is None:
        return
    if not isinstance(reasoning, Mapping):
        raise TranslationError("reasoning must be an object such as {'effort': 'low'}")
    effort = reasoning.get("effort")
    summary = reasoning.get("summary") or reasoning.get("generate_summary")
    for key in ("context", "mode"):
        if reasoning.get(key) not in (None, "auto", "standard"):
            ctx.unsupported_param(f"reasoning.{key}")
    if not summary or effort == "none" or _user_thinking(chat, extra):
        if effort is not None:
            chat["reasoning_effort"] = effort  # the chat translation maps and checks it
        return
    # Summaries are Gemini's thoughts, which only thinking_config can ask for; Vertex takes either
    # reasoning_effort or thinking_config, so the effort becomes the documented thinking budget.
    thinking: dict[str, Any] = {"include_thoughts": True}
    if effort in _BUDGETS:
        thinking["thinking_budget"] = _BUDGETS[effort]
    if summary not in ("auto", "concise", "detailed"):
        raise TranslationError(f"reasoning.summary must be 'auto', 'concise' or 'detailed', not {summary!r}")
    google = chat.get("google")
    chat["google"] = {**(google if isinstance(google, Mapping) else {}), "thinking_config": thinking}


def _user_thinking(chat: Mapping[str, Any], extra: Mapping[str, Any] | None) -> bool:
    """Whether the user set google.thinking_config themselves (theirs wins)."""
    for source in (chat, extra or {}):
        for google in (source.get("google"), (source.get("extra_body") or {}).get("google")):
            if isinstance(google, Mapping) and "thinking_config" in google:
                return True
    return False


def _include(include: Any, ctx: Context) -> None:
    for value in include or ():
        if value not in _INCLUDE_OK:
            ctx.unsupported_param(f"include[{value!r}]")
