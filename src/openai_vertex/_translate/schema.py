"""JSON Schema -> the OpenAPI-subset schema Gemini accepts on Vertex, for tools and structured output.

The entry point and its memo.  ``schema_fast`` converts the schemas most code sends (pydantic models,
strict-mode tools) in one walk; anything else, and anything it is unsure of, goes to the reference
converter, ``schema_full``, which gives the same result for what both can convert (a property test
checks it).  What Vertex accepts, keyword by keyword, is in ``schema_rules``.
"""

from __future__ import annotations

import io
import json
import marshal
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from openai_vertex.exceptions import TranslationError

from .schema_fast import convert_fast
from .schema_full import convert_full
from .schema_rules import Node

__all__ = ["ConvertedSchema", "convert_schema"]

_CACHE_SIZE = 512


@dataclass(frozen=True)
class ConvertedSchema:
    """A Vertex schema (shared from the memo cache: never mutate it) and what was lost on the way."""

    schema: dict[str, Any]
    notes: tuple[str, ...]


# The memo of converted schemas, which chat.py shares for whole tool lists; keyed by content.
_cache: OrderedDict[tuple[object, ...], Any] = OrderedDict()
_cache_lock = threading.Lock()
_T = TypeVar("_T")


def convert_schema(schema: Mapping[str, Any], *, response: bool, where: str = "schema") -> ConvertedSchema:
    """Convert JSON Schema for Vertex; raise TranslationError for what cannot be expressed.

    Memoized by content, key order included (it becomes ``propertyOrdering``).
    """
    key = (_key(schema, where), response, where)
    return memoized(key, lambda: ConvertedSchema(*convert_uncached(schema, response, where)))


def _key(schema: object, where: str) -> object:
    """``content_key``, else marshal format 2 (deep schemas; it never starts like a pickle), else JSON."""
    try:
        return content_key(schema)
    except (ValueError, RecursionError):  # a Mapping that is not a dict, a str subclass, a deep schema
        pass
    try:
        return marshal.dumps(cast(Any, schema), 2)
    except ValueError:
        pass
    try:
        return json.dumps(schema, default=_jsonable)
    except (TypeError, ValueError, RecursionError) as exc:
        raise TranslationError(f"{where}: the schema must be plain, not too deep JSON data ({exc})") from None


def convert_uncached(schema: Mapping[str, Any], response: bool, where: str) -> tuple[Node, tuple[str, ...]]:
    """`convert_schema`'s (schema, notes), not memoized: for callers that memoize a larger whole."""
    converted = convert_fast(schema, response, where) if schema.__class__ is dict else None
    if converted is None:
        if not isinstance(schema, Mapping):
            raise TranslationError(f"{where}: expected a JSON Schema object, got {type(schema).__name__}")
        converted = convert_full(schema, response, where)
    out, notes = converted
    return out, tuple(dict.fromkeys(notes)) if notes else ()


def memoized(key: tuple[object, ...], make: Callable[[], _T]) -> _T:
    """``make()``, remembered in the bounded LRU memo under ``key``, which must determine it."""
    with _cache_lock:
        hit: _T | None = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    value = make()
    with _cache_lock:
        _cache[key] = value
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def content_key(value: object) -> bytes:
    """A faithful encoding of plain data (exact dict, list, str, int, float, bool, None...): a memo key.

    Equal bytes mean equal content, key order and 1/1.0/True included.  Pickle without its memo
    (``fast``) writes shared objects in full, so equal content also makes equal bytes, and it is
    20% cheaper than marshal format 2.  Raises ValueError (other types, cycles) or RecursionError.
    """
    with _pickle_lock:  # one pickler, reused: making one costs as much as encoding a small schema
        _pickled.seek(0)
        _pickled.truncate()
        try:
            _pickler.dump(value)
        except BaseException:
            _new_pickler()  # whatever state the failure left it in
            raise
        return _pickled.getvalue()


class _ExactPickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:  # reached by anything but exact builtin types
        raise ValueError(f"{type(obj).__name__} is not plain data")


def _new_pickler() -> None:
    global _pickled, _pickler
    _pickled = io.BytesIO()
    _pickler = _ExactPickler(_pickled, 5)
    _pickler.fast = True


_pickle_lock = threading.Lock()
_pickled: io.BytesIO
_pickler: _ExactPickler
_new_pickler()


def _jsonable(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON")
