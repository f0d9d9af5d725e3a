"""Responses input items -> Chat Completions messages (OpenAI's chat shapes; the chat translation
then makes them Vertex-ready).

Pure: never mutates its input. What Vertex's chat endpoint cannot carry raises ``TranslationError``
naming the item, before any request. Mapping: research/responses_embeddings.md A.2 and A.8.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..exceptions import TranslationError

__all__ = ["input_items", "messages_from_items"]

_MESSAGE_ROLES = ("user", "assistant", "system", "developer")
# Output item types only OpenAI's hosted tools produce; this package never emits them.
_HOSTED = {
    "file_search_call": "file_search",
    "computer_call": "computer use",
    "computer_call_output": "computer use",
    "web_search_call": "web_search",
    "image_generation_call": "image_generation",
    "code_interpreter_call": "code_interpreter",
    "local_shell_call": "local_shell",
    "local_shell_call_output": "local_shell",
    "shell_call": "shell",
    "shell_call_output": "shell",
    "apply_patch_call": "apply_patch",
    "apply_patch_call_output": "apply_patch",
    "mcp_list_tools": "remote MCP",
    "mcp_approval_request": "remote MCP",
    "mcp_approval_response": "remote MCP",
    "mcp_call": "remote MCP",
    "custom_tool_call": "custom tools",
    "custom_tool_call_output": "custom tools",
}


def input_items(value: Any) -> list[dict[str, Any]]:
    """``input`` as a list of items (a string is one user message), each a plain dict."""
    if value is None:
        return []
    if isinstance(value, str):
        return [{"type": "message", "role": "user", "content": value}]
    if not isinstance(value, Sequence) or isinstance(value, bytes):
        raise TranslationError("input must be a string or a list of input items")
    items = []
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise TranslationError(f"input[{i}] must be an object (an input item)")
        items.append(dict(item))
    return items


def messages_from_items(items: Sequence[Mapping[str, Any]], where: str = "input") -> list[dict[str, Any]]:
    """The chat messages for ``items``; consecutive assistant text and function calls form one message."""
    out: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        here = f"{where}[{i}]"
        kind = item.get("type", "message")
        if kind == "message":
            message = _message(item, here)
            if message is not None:
                if message["role"] == "assistant" and _open_assistant(out) is not None:
                    _merge_text(out[-1], message.get("content"))
                else:
                    out.append(message)
        elif kind == "function_call":
            call = _function_call(item, here)
            last = _open_assistant(out)
            if last is None:
                out.append({"role": "assistant", "content": None, "tool_calls": [call]})
            else:
                last["tool_calls"] = [*last.get("tool_calls", ()), call]
        elif kind == "function_call_output":
            out.append(_function_output(item, here))
        elif kind == "reasoning":
            # Vertex drops earlier turns' thoughts; the thought signatures ride in the call ids.
            continue
        elif kind == "item_reference":
            raise TranslationError(
                f"{here}: item_reference needs OpenAI's server-side item store; send the item itself, "
                "or continue the conversation with previous_response_id"
            )
        elif kind in _HOSTED:
            raise TranslationError(
                f"{here}: {kind!r} items come from OpenAI's hosted {_HOSTED[kind]} tool, which Vertex does "
                "not have; remove them from the input"
            )
        else:
            raise TranslationError(f"{here}: input items of type {kind!r} are not supported on Vertex")
    return out


def _open_assistant(out: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The last message when it is an assistant turn that more assistant output can join."""
    return out[-1] if out and out[-1].get("role") == "assistant" else None


def _merge_text(message: dict[str, Any], text: Any) -> None:
    if not text:
        return
    earlier = message.get("content")
    message["content"] = f"{earlier}{text}" if isinstance(earlier, str) and earlier else text


def _message(item: Mapping[str, Any], where: str) -> dict[str, Any] | None:
    role = item.get("role")
    if role not in _MESSAGE_ROLES:
        raise TranslationError(
            f"{where}: message role must be one of {', '.join(_MESSAGE_ROLES)}, not {role!r}"
        )
    content = item.get("content")
    if role == "assistant":
        text = _assistant_text(content, where)
        return None if text is None else {"role": "assistant", "content": text}
    if isinstance(content, str):
        return {"role": role, "content": content}
    if not isinstance(content, Sequence):
        raise TranslationError(f"{where}.content must be a string or a list of content parts")
    parts = [_part(part, f"{where}.content[{j}]") for j, part in enumerate(content)]
    if role in ("system", "developer"):
        if any(p["type"] != "text" for p in parts):
            raise TranslationError(f"{where}: {role} messages take text only on Vertex")
        return {"role": role, "content": "".join(p["text"] for p in parts)}
    return {"role": role, "content": parts}


def _assistant_text(content: Any, where: str) -> str | None:
    """A replayed assistant message as text (Vertex takes assistant turns as text and calls)."""
    if content is None or isinstance(content, str):
        return content or None
    texts = []
    for j, part in enumerate(content if isinstance(content, Sequence) else ()):
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind in ("output_text", "input_text"):
            texts.append(str(part.get("text") or ""))
        elif kind == "refusal":
            texts.append(str(part.get("refusal") or ""))
        else:
            raise TranslationError(f"{where}.content[{j}]: assistant content part {kind!r} is not supported")
    return "".join(texts) or None


def _part(part: Any, where: str) -> dict[str, Any]:
    kind = part.get("type") if isinstance(part, Mapping) else None
    if kind in ("input_text", "output_text", "text"):
        out: dict[str, Any] = {"type": "text", "text": part.get("text", "")}
    elif kind == "input_image":
        out = _image(part, where)
    elif kind == "input_file":
        out = _file(part, where)
    else:
        raise TranslationError(
            f"{where}: content part type {kind!r} is not supported; use input_text, input_image or input_file"
        )
    if "prompt_cache_breakpoint" in part:
        out["prompt_cache_breakpoint"] = part["prompt_cache_breakpoint"]  # the chat policy handles it
    return out


def _image(part: Mapping[str, Any], where: str) -> dict[str, Any]:
    url = part.get("image_url")
    if not isinstance(url, str) or not url:
        if part.get("file_id"):
            raise TranslationError(
                f"{where}: input_image file_id refers to OpenAI's Files API, which Vertex does not have; "
                "pass image_url (an https URL, a gs:// URI or a data: URL) instead"
            )
        raise TranslationError(f"{where}: input_image needs image_url (https URL, gs:// URI or data: URL)")
    image: dict[str, Any] = {"url": url}
    detail = part.get("detail")
    if detail in ("low", "high"):  # "auto" is the default on both sides; "original" has no chat value
        image["detail"] = detail
    return {"type": "image_url", "image_url": image}


def _file(part: Mapping[str, Any], where: str) -> dict[str, Any]:
    data = part.get("file_data")
    if isinstance(data, str) and data:
        file = {"file_data": data}
        if isinstance(part.get("filename"), str):
            file["filename"] = part["filename"]
        return {"type": "file", "file": file}  # the chat translation makes it a data: URL
    url = part.get("file_url")
    if isinstance(url, str) and url:
        # Vertex fetches gs:// and https media URLs itself ("Anything supported by GenerateContent").
        return {"type": "image_url", "image_url": {"url": url}}
    if part.get("file_id"):
        raise TranslationError(
            f"{where}: input_file file_id refers to OpenAI's Files API, which Vertex does not have; pass "
            "file_data (base64 with a filename, or a data: URL) or file_url (https or gs://)"
        )
    raise TranslationError(f"{where}: input_file needs file_data or file_url")


def _function_call(item: Mapping[str, Any], where: str) -> dict[str, Any]:
    call_id, name = item.get("call_id"), item.get("name")
    if not isinstance(call_id, str) or not call_id or not isinstance(name, str) or not name:
        raise TranslationError(f"{where}: a function_call item needs call_id and name")
    arguments = item.get("arguments")
    # A call_id we issued carries the Gemini thought signature (``_translate/signatures.py``); the chat
    # translation takes it out of the id again.
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": arguments if arguments is not None else "{}"},
    }


def _function_output(item: Mapping[str, Any], where: str) -> dict[str, Any]:
    call_id = item.get("call_id")
    if not isinstance(call_id, str) or not call_id:
        raise TranslationError(f"{where}: a function_call_output item needs the call_id of its function_call")
    output = item.get("output")
    if isinstance(output, Sequence) and not isinstance(output, str):
        texts = []
        for j, part in enumerate(output):
            kind = part.get("type") if isinstance(part, Mapping) else None
            if kind not in ("input_text", "output_text", "text"):
                raise TranslationError(
                    f"{where}.output[{j}]: Vertex's chat endpoint takes tool results as text; {kind!r} "
                    "parts are not supported there (return text, e.g. a URL or a description)"
                )
            texts.append(str(part.get("text") or ""))
        output = "".join(texts)
    elif output is None:
        output = ""
    elif not isinstance(output, str):
        raise TranslationError(f"{where}.output must be a string or a list of input_text parts")
    return {"role": "tool", "tool_call_id": call_id, "content": output}
