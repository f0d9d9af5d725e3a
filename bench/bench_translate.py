"""Request translation cost: a plain request, and one with a 30-property nested schema and 10 tools.

"Cold" converts every schema for the first time (a fresh schema cache per measured call, which is
what the first request of a process pays); "warm" repeats the same request (memoized schemas).
Targets: plain <= 50 us; schema + 10 tools <= 1 ms cold (paid once per distinct schema: one
converter, not a fast path beside it), <= 50 us warm.

Each figure is a median over single calls, taken in several rounds; the best round is reported
(as ``timeit`` advises: on a shared machine the slower rounds measure the other jobs), with every
round's median beside it, and ``sum(range(1000))`` timed the same way to compare machines.

    python bench/bench_translate.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from openai_vertex._settings import resolve_settings
from openai_vertex._translate import schema as schema_module
from openai_vertex._translate.chat import translate_chat_body

SETTINGS = resolve_settings(vertex_project="bench-project", environ={})
ROUNDS = 7

PLAIN = {
    "model": "gemini-2.5-flash",
    "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Say hello to Vertex in five words."},
    ],
}


def nested_schema() -> dict[str, Any]:
    """30 properties over three levels, with the constructs pydantic emits ($defs, Optional, enums)."""
    address = {
        "type": "object",
        "properties": {
            "street": {"type": "string"},
            "city": {"type": "string"},
            "zip": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
            "country": {"type": "string", "enum": ["FR", "DE", "US"]},
        },
        "required": ["street", "city", "country"],
        "additionalProperties": False,
    }
    person = {
        "type": "object",
        "properties": {f"field_{i}": {"type": "string", "description": f"field {i}"} for i in range(10)}
        | {
            "age": {"type": "integer", "minimum": 0, "exclusiveMaximum": 150},
            "address": {"$ref": "#/$defs/Address"},
            "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        },
        "required": ["field_0", "age", "address"],
        "additionalProperties": False,
    }
    root_props = {f"top_{i}": {"type": ["string", "null"]} for i in range(12)}
    root_props["owner"] = {"$ref": "#/$defs/Person"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": root_props,
        "required": ["owner"],
        "additionalProperties": False,
        "$defs": {"Address": address, "Person": person},
    }


def tool(i: int) -> dict[str, Any]:
    """A typical strict function tool (as pydantic_function_tool emits it), each one different."""
    return {
        "type": "function",
        "function": {
            "name": f"tool_{i}",
            "description": f"Tool number {i}.",
            "strict": True,
            "parameters": {
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "what to look up"},
                    "limit": {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]},
                    "unit": {"type": "string", "enum": ["metric", "imperial"]},
                    f"flag_{i}": {"type": "boolean"},
                },
                "required": ["query", "limit", "unit", f"flag_{i}"],
                "additionalProperties": False,
            },
        },
    }


def with_tools() -> dict[str, Any]:
    """The 30-property nested schema as the response format, plus ten tools."""
    response_format = {"type": "json_schema", "json_schema": {"name": "answer", "schema": nested_schema()}}
    return {**PLAIN, "tools": [tool(i) for i in range(10)], "response_format": response_format}


def per_call_us(call: Callable[[], object], *, repeat: int, setup: Callable[[], None] | None = None) -> float:
    samples = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def main() -> None:
    body = with_tools()
    translate_chat_body(body, SETTINGS)
    rounds: dict[str, list[float]] = {"plain": [], "cold": [], "warm": [], "baseline": []}
    for _ in range(ROUNDS):  # interleaved, so that a slow phase of the machine hits all of them
        rounds["plain"].append(per_call_us(lambda: translate_chat_body(PLAIN, SETTINGS), repeat=2000))
        rounds["cold"].append(
            per_call_us(
                lambda: translate_chat_body(body, SETTINGS), repeat=100, setup=schema_module._cache.clear
            )
        )
        translate_chat_body(body, SETTINGS)
        rounds["warm"].append(per_call_us(lambda: translate_chat_body(body, SETTINGS), repeat=500))
        rounds["baseline"].append(per_call_us(lambda: sum(range(1000)), repeat=500))
    targets = {"plain": "<= 50", "cold": "<= 1000", "warm": "<= 50", "baseline": "(sum(range(1000)))"}
    for name, target in targets.items():
        every = " ".join(f"{x:.1f}" for x in rounds[name])
        print(f"{name:<9}{min(rounds[name]):7.1f} us  target {target:<19} rounds: {every}")


if __name__ == "__main__":
    main()
