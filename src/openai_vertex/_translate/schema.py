"""JSON Schema -> the OpenAPI-subset schema Gemini accepts on Vertex, for tools and structured output.

The entry point and its memo.  The converter is ``schema_convert`` (reading JSON Schema, with
``schema_merge`` for ``allOf``) then ``schema_shape`` (shaping each node for Vertex); what Vertex
accepts, keyword by keyword, is in ``schema_rules``.  A conversion is paid once per distinct schema:
the memo serves every later call, keyed by content (``content_key``).
"""

from __future__ import annotations

import io
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from openai_vertex.exceptions import TranslationError

from .schema_convert import convert
from .schema_rules import MAX_DEPTH, Node

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

    Memoized by content, key order included (it becomes ``propertyOrdering``); input that is not
    plain JSON data is made plain first, or refused with its JSON path.
    """
    try:
        plain = content_key(schema)
    except (ValueError, RecursionError):  # rare: a Mapping that is not a dict, a str subclass, a deep schema
        schema = _plain(schema, where, 0)
        plain = content_key(schema)
    return memoized(
        (plain, response, where), lambda: ConvertedSchema(*convert_uncached(schema, response, where))
    )


def convert_uncached(schema: Mapping[str, Any], response: bool, where: str) -> tuple[Node, tuple[str, ...]]:
    """`convert_schema`'s (schema, notes), not memoized: for callers that memoize a larger whole."""
    if not isinstance(schema, Mapping):
        raise TranslationError(f"{where}: expected a JSON Schema object, got {type(schema).__name__}")
    out, notes = convert(schema, response, where)
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


def _plain(value: Any, path: str, depth: int) -> Any:
    """``value`` as exact JSON types (Mappings as dicts, tuples as lists), or TranslationError."""
    if depth > MAX_DEPTH:
        return _not_plain(path, f"deeper than {MAX_DEPTH} levels")
    if isinstance(value, Mapping):
        return {
            str(k) if isinstance(k, str) else _not_plain(path, f"the key {k!r} is not a string"): _plain(
                v, f"{path}.{k}", depth + 1
            )
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
    for kind in (bool, int, float, str):  # bool first: it is an int
        if isinstance(value, kind):
            return kind(value)
    return None if value is None else _not_plain(path, f"{type(value).__name__} is not JSON")


def _not_plain(path: str, why: str) -> Any:
    raise TranslationError(f"{path}: the schema must be plain, not too deep JSON data ({why})")
