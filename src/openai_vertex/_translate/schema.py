"""JSON Schema -> the OpenAPI-subset schema Gemini accepts on Vertex, for tools and structured output.

Two passes.  ``_Converter.node`` reads JSON Schema into a *partial* node that already speaks Gemini:
``$ref`` inlined, ``allOf`` merged, ``oneOf``/type arrays/``const`` turned into ``anyOf``/``nullable``/
``enum``, dropped constraints noted.  ``_Converter.finish`` then shapes each node for Vertex: a type
everywhere, enums as strings, only the keywords of that type, annotations moved into ``anyOf``
members, ``propertyOrdering`` for response schemas.  Merging needs un-guessed nodes (an untyped
``{"description": ..}`` must not become an object before it is merged into a string), hence two passes;
``_Converter.final`` does both in one walk for the common nodes, which no merge reaches.

Choices (facts in shared/research/vertex_compat.md 1.2, 1.6, 1.8, 3.1-3.3):
- recursive ``$ref``: an error; the endpoint documents "fully recursive schemas are not supported".
- integer enum/const: ``{"type": "integer", "format": "enum", "enum": ["1", "2"]}``, the form Vertex's
  ``Schema`` reference documents; other non-string enum/const values are dropped with a note.
- untyped (``{}``, pydantic ``Any``, ``items: {}``): ``{"type": "object"}`` with a note, as LiteLLM
  does; Vertex rejects untyped nodes ("type: must be specified").
- object without properties: ``{"type": "object"}``; Vertex rejects ``properties: {}`` ("should be
  non-empty for OBJECT type") and LiteLLM sends this shape for parameterless tools.
- ``format``: strings keep ``date-time``/``enum`` ("only 'enum' and 'date-time' are supported for
  STRING type"), integers ``int32``/``int64``, numbers ``float``/``double``; the same for both uses.
- ``additionalProperties``: dropped for tools, kept for response schemas (documented as supported).
"""

from __future__ import annotations

import copy
import io
import json
import marshal
import math
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import filterfalse
from typing import Any, TypeVar, cast
from urllib.parse import unquote

from openai_vertex.exceptions import TranslationError

__all__ = ["ConvertedSchema", "convert_schema"]

Node = dict[str, Any]

_TYPES = ("string", "number", "integer", "boolean", "array", "object", "null")
_ANNOTATIONS = ("title", "description", "default", "example")
# Input keywords that constrain one type only: a type array hands them to the matching member.
_NUMERIC = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "format"})
_INPUT_BY_TYPE: dict[str, frozenset[str]] = {
    "string": frozenset({"minLength", "maxLength", "pattern", "format"}),
    "number": _NUMERIC,
    "integer": _NUMERIC,
    "array": frozenset({"items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems"}),
    "object": frozenset({"properties", "required", "additionalProperties", "patternProperties"})
    | {"propertyNames", "minProperties", "maxProperties", "dependentRequired", "propertyOrdering"},
}
_TYPED_INPUT = frozenset().union(*_INPUT_BY_TYPE.values()) | {"type", "enum", "const"}
# Constraints Vertex rejects: dropping one changes what is valid, so it gets a note.  Any other
# unknown keyword ($schema, $id, strict, readOnly, deprecated, discriminator, x-...) is an annotation.
_NOTED = frozenset({"multipleOf", "uniqueItems", "patternProperties", "propertyNames", "additionalItems"}) | {
    *("contains", "minContains", "maxContains", "not", "if", "dependentRequired", "dependentSchemas"),
    *("dependencies", "unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef"),
}
_COUNTS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
_LOWER = frozenset({"minimum", "minLength", "minItems", "minProperties"})
_UPPER = frozenset({"maximum", "maxLength", "maxItems", "maxProperties"})
# First-pass keyword kinds: one dict lookup per keyword (this loop is the hot path).
_TYPE, _STR, _COUNT, _NUM, _NAMES, _VALUE, _PROPS, _EXTRA, _LATER, _EXAMPLES, _NOTE = range(11)
_KIND = {
    "type": _TYPE,
    **dict.fromkeys(("title", "description", "pattern", "format"), _STR),
    **dict.fromkeys(_COUNTS, _COUNT),
    **dict.fromkeys(("minimum", "maximum"), _NUM),
    **dict.fromkeys(("required", "propertyOrdering"), _NAMES),
    **dict.fromkeys(("default", "example"), _VALUE),
    "properties": _PROPS,
    "additionalProperties": _EXTRA,
    **dict.fromkeys(("enum", "const", "nullable", "items", "prefixItems"), _LATER),
    **dict.fromkeys(("exclusiveMinimum", "exclusiveMaximum"), _LATER),
    "examples": _EXAMPLES,
    **dict.fromkeys(_NOTED - {"additionalItems"}, _NOTE),  # additionalItems belongs to tuples
}
# What `finish` copies as it is for each output type.
_KEEP: dict[str, frozenset[str]] = {
    "string": frozenset({*_ANNOTATIONS, "minLength", "maxLength", "pattern"}),
    "integer": frozenset({*_ANNOTATIONS, "minimum", "maximum"}),
    "number": frozenset({*_ANNOTATIONS, "minimum", "maximum"}),
    "boolean": frozenset(_ANNOTATIONS),
    "array": frozenset({*_ANNOTATIONS, "minItems", "maxItems"}),
    "object": frozenset({*_ANNOTATIONS, "minProperties", "maxProperties"}),
}
_FORMATS = {"string": ("date-time",), "integer": ("int32", "int64"), "number": ("float", "double")}
# What `final` converts in one walk, by type: keywords kept as they are, and those it handles itself.
_ONE_WALK = {
    t: _KEEP[t] | {"type", "nullable"} | more
    for t, more in (
        *((t, set()) for t in ("integer", "number", "boolean")),
        ("string", {"enum"}),
        ("array", {"items"}),
        ("object", {"properties", "required", "additionalProperties", "propertyOrdering"}),
    )
}
_KNOWN = frozenset(_KIND) | {"$ref", "allOf", "anyOf", "oneOf"}  # any other keyword is an annotation
_SCALARS = ("string", "integer", "number", "boolean")
_TEXT_LEAF, _TEXT_TYPES = frozenset({"type", "title", "description"}), (*_SCALARS, "object")
_NULL, _OPTIONAL = {"type": "null"}, frozenset({"anyOf", *_ANNOTATIONS})
_TYPE_SET = frozenset(_TYPES)
_is_str = str.__instancecheck__  # isinstance(x, str), for map() and filter()
# Keywords that give away the type of an untyped node (a node with properties is an object).
_GUESS = (
    ("object", ("properties", "required", "additionalProperties", "minProperties", "maxProperties")),
    ("array", ("items", "minItems", "maxItems")),
    ("string", ("minLength", "maxLength", "pattern")),
    ("number", ("minimum", "maximum")),
)
_MAX_DEPTH = 100  # far below Python's recursion limit (and deeper than Vertex accepts anyway)
_MAX_NODES = 50_000  # both passes; inlining $ref can blow a schema up exponentially
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


def convert_schema(
    schema: Mapping[str, Any], *, response: bool, where: str = "schema", memo: bool = True
) -> ConvertedSchema:
    """Convert JSON Schema for Vertex; raise TranslationError for what cannot be expressed.

    Memoized by content, key order included (it becomes ``propertyOrdering``); ``memo=False`` is for
    callers that memoize a larger whole by its content (chat.py: whole tool lists).
    """
    if not memo:
        return _convert(schema, response, where)
    return memoized((_key(schema, where), response, where), lambda: _convert(schema, response, where))


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


def _convert(schema: Mapping[str, Any], response: bool, where: str) -> ConvertedSchema:
    if not isinstance(schema, Mapping):
        raise TranslationError(f"{where}: expected a JSON Schema object, got {type(schema).__name__}")
    conv = _Converter(schema, response)
    try:
        out = conv.final(schema, where, root=True)
    except Exception:  # the one walk may fail at another node than the two passes: redo those
        conv = _Converter(schema, response)
        out = conv.finish(conv.node(schema, where), where, root=True)
    return ConvertedSchema(out, tuple(dict.fromkeys(conv.notes + conv.late)))


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


class _Converter:
    def __init__(self, root: Mapping[str, Any], response: bool) -> None:
        self.root = root
        self.response = response
        self.notes: list[str] = []  # first pass
        self.late: list[str] = []  # second pass: `final` interleaves the two
        self.active = [id(root)]  # schemas being inlined: meeting one again is a cycle
        self.inlined: dict[int, Node] = {}  # partial nodes are never mutated, so a $ref target is reused
        self.walked: set[int] = set()  # $ref targets `final` converted in one walk
        self.targets: dict[str, Any] = {}
        self.depth = self.count = 0

    def note(self, text: str) -> None:
        self.notes.append(text)

    def _count(self, nodes: int, path: str, deeper: int = 0) -> None:
        self.count += nodes
        if self.depth + deeper >= _MAX_DEPTH or self.count > _MAX_NODES:
            raise TranslationError(f"{path}: the schema is too deep or too large (after inlining $ref)")

    # ---- first pass: JSON Schema -> partial node ------------------------------------------------

    def node(self, s: Any, path: str) -> Node:
        if s is True:
            return {}
        if s.__class__ is not dict and not isinstance(s, Mapping):
            what = "false (nothing is valid)" if s is False else type(s).__name__
            raise TranslationError(f"{path}: expected a JSON Schema object, got {what}; remove or rewrite it")
        self._count(1, path)
        self.depth += 1
        try:
            if "$ref" in s:
                return self._ref(s, path)
            if "allOf" in s:
                return self._all_of(s, path)
            if "anyOf" in s or "oneOf" in s:
                return self._union(s, path)
            t = s.get("type")
            if isinstance(t, (list, tuple)) or (t is None and ("enum" in s or "const" in s)):
                return self.node(self._split_types(s, path), path)
            return self._simple(s, path)
        finally:
            self.depth -= 1

    def _ref(self, s: Mapping[str, Any], path: str) -> Node:
        resolved = self._inlined(self._target(s["$ref"], path), path)
        # 2020-12 allows keywords beside $ref (pydantic puts description/default there); theirs win.
        rest = {k: v for k, v in s.items() if k not in ("$ref", "$defs", "definitions")}
        return self._merge(self.node(rest, path), resolved, path) if rest else resolved

    def _inlined(self, target: Any, path: str) -> Node:
        """The partial node of a ``$ref`` target: made once, noted and counted once."""
        resolved = self.inlined.get(id(target))
        if resolved is None:
            count, noted = self.count, len(self.notes)
            self.active.append(id(target))
            try:
                resolved = self.inlined[id(target)] = self.node(target, path)
            finally:
                self.active.pop()
            if id(target) in self.walked:  # `final` made it already, noting and counting it
                self.count = count
                del self.notes[noted:]
        return resolved

    def _target(self, ref: Any, path: str) -> Any:
        target = self.targets.get(ref) if isinstance(ref, str) else None
        if target is None:
            target = self.targets[ref] = self._resolve(ref) if isinstance(ref, str) else None
        if target is None:
            raise TranslationError(
                f"{path}: cannot resolve '$ref' {ref!r}; only local references such as '#/$defs/Name' "
                "work: inline the schema or add it under '$defs'"
            )
        if id(target) in self.active:
            raise TranslationError(
                f"{path}: '$ref' {ref!r} is recursive, and Vertex does not accept recursive schemas; "
                "limit the nesting (e.g. replace the inner reference with a plain object or a string)"
            )
        return target

    def _resolve(self, ref: str) -> Any:
        """A local JSON pointer: ``#/$defs/A``, ``#/definitions/A``, ``#/properties/x``, ``#``."""
        if ref != "#" and not ref.startswith("#/"):
            return None  # remote, or an $anchor
        target: Any = self.root
        for part in unquote(ref[2:]).split("/") if ref != "#" else ():
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, Mapping):
                target = target.get(part)
            elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            else:
                return None
        return target

    def _all_of(self, s: Mapping[str, Any], path: str) -> Node:
        rest = {k: v for k, v in s.items() if k != "allOf"}
        out = self.node(rest, path) if rest else {}
        for i, member in enumerate(_nonempty_list(s["allOf"], f"{path}.allOf")):
            out = self._merge(out, self.node(member, f"{path}.allOf[{i}]"), path)
        return out

    def _union(self, s: Mapping[str, Any], path: str) -> Node:
        if "anyOf" in s and "oneOf" in s:
            raise TranslationError(f"{path}: both 'anyOf' and 'oneOf' are set; merge them into one 'anyOf'")
        key = "anyOf" if "anyOf" in s else "oneOf"
        rest = {k: v for k, v in s.items() if k != key}
        base = self.node(rest, path) if rest else {}
        ann = {k: base[k] for k in _ANNOTATIONS if k in base}
        cons = {k: v for k, v in base.items() if k not in ann and k != "nullable"}
        nullable = False
        parts: list[Node] = []
        for i, member in enumerate(_nonempty_list(s[key], f"{path}.{key}")):
            part = self.node(member, f"{path}.{key}[{i}]")
            if part.get("type") == "null" and "anyOf" not in part:
                nullable = True  # anyOf [X, {"type": "null"}] -> X with nullable
            elif "anyOf" in part and part.keys() <= {"anyOf", "nullable"}:
                nullable |= part.get("nullable") is True
                parts.extend(part["anyOf"])  # a nested bare union flattens
            else:
                parts.append(part)
        if cons:  # keywords beside anyOf constrain every member: anyOf(A, B) & C == anyOf(A & C, B & C)
            parts = [self._merge(p, cons, path) for p in parts]
            nullable = nullable and "type" not in cons
        nullable = nullable or base.get("nullable") is True
        if not parts:
            if not nullable:
                raise TranslationError(f"{path}: no member of '{key}' can be satisfied")
            return {**ann, "type": "null"}
        if len(parts) == 1:  # hoist the only non-null member; the node's own annotations win
            out = {**parts[0], **ann}
        else:
            out = {"anyOf": parts, **ann}
            if key == "oneOf" and "discriminator" not in s:  # a discriminator keeps members exclusive
                self.note(f"approximated 'oneOf' at {path} as 'anyOf': a value may now match several members")
        if nullable:
            out["nullable"] = True
        return out

    def _split_types(self, s: Mapping[str, Any], path: str) -> dict[str, Any]:
        """``type: [a, b]`` (or an untyped enum/const) -> ``anyOf`` of single-type members."""
        values = _enum_values(s, path)
        if s.get("type") is None:
            types = list(dict.fromkeys(_json_type(v) for v in values or ()))
        else:
            types = list(dict.fromkeys(_type_name(t, path) for t in s["type"]))
        if not types:
            raise TranslationError(f"{path}: the 'type' list or 'enum' is empty, so nothing is valid")
        if len(types) == 1:
            return {**s, "type": types[0]}
        members = []
        for t in types:
            member = {k: v for k, v in s.items() if k in _INPUT_BY_TYPE.get(t, ())}
            member["type"] = t
            if values is not None and t != "null":
                member["enum"] = [v for v in values if _has_type(v, t)]
            members.append(member)
        return {**{k: v for k, v in s.items() if k not in _TYPED_INPUT}, "anyOf": members}

    def _simple(self, s: Mapping[str, Any], path: str) -> Node:
        out: Node = {}
        later = False
        for k, v in s.items():
            kind = _KIND.get(k)
            if kind is None:
                continue  # an annotation Vertex does not know: dropped silently
            if kind in (_STR, _COUNT, _NUM, _VALUE):
                out[k] = _scalar(k, v, kind, path)
            elif kind == _TYPE:
                out[k] = _type_name(v, path)
            elif kind == _NAMES:
                out[k] = list(_names(k, v, path))
            elif kind == _PROPS:
                if not isinstance(v, Mapping):
                    _invalid(path, k, "an object that maps property names to schemas")
                out[k] = {name: self.node(sub, f"{path}.properties.{name}") for name, sub in v.items()}
            elif kind == _EXTRA:
                if v is True or v is False or v == {}:
                    out[k] = v is not False  # {} allows every value, like true
                else:  # a tool drops it in `finish`: not converted, so no notes from inside it
                    out[k] = self.node(v, f"{path}.additionalProperties") if self.response else {}
            elif kind == _LATER:
                later = True
            elif kind == _EXAMPLES:
                if "example" not in s and isinstance(v, list) and v:
                    out["example"] = copy.deepcopy(v[0])  # Vertex knows OpenAPI's singular form
            elif not _trivial(k, v):
                self.note(f"dropped '{k}' at {path}: Vertex does not accept it")
        if later:
            self._later(s, out, path)
        return out

    def _later(self, s: Mapping[str, Any], out: Node, path: str) -> None:
        """The keywords that need the node's type: nullable, enum/const, items, exclusive bounds."""
        if s.get("nullable") is True:
            out["nullable"] = True
        values = _enum_values(s, path)
        if values is not None:
            if s.get("format") == "enum" and out.get("type") in ("integer", "number"):  # our own output
                values = [int(v) if isinstance(v, str) and _is_int_text(v) else v for v in values]
            out["enum"] = values  # raw JSON values; `finish` turns them into strings by type
        if "items" in s or "prefixItems" in s:
            self._items(s, out, path)
        for key, bound, lower in (
            ("exclusiveMinimum", "minimum", True),
            ("exclusiveMaximum", "maximum", False),
        ):
            if key in s:
                self._exclusive(key, s[key], bound, lower, out, path)

    def _items(self, s: Mapping[str, Any], out: Node, path: str) -> None:
        items = s.get("items")
        prefix, rest = (
            (items, s.get("additionalItems")) if isinstance(items, list) else (s.get("prefixItems"), items)
        )
        if prefix:  # a tuple: Vertex has no positional items, so any member is accepted anywhere
            members = [
                *_nonempty_list(prefix, f"{path}.prefixItems"),
                *([] if rest in (None, False) else [rest]),
            ]
            self.note(f"approximated tuple 'prefixItems' at {path} as 'items' accepting any of its members")
            out["items"] = self.node({"anyOf": members}, f"{path}.items")
        elif rest is False:
            raise TranslationError(
                f"{path}.items: false (no items allowed) cannot be expressed; use maxItems: 0"
            )
        elif rest is not None:
            out["items"] = self.node(rest, f"{path}.items")

    def _exclusive(self, key: str, value: Any, bound: str, lower: bool, out: Node, path: str) -> None:
        """exclusiveMinimum/Maximum -> minimum/maximum: exact for integers, an approximation otherwise."""
        if value is True and bound in out:  # draft 4: a flag on minimum/maximum
            value = out.pop(bound)
        if value is None or isinstance(value, bool):
            return
        value = _number(key, value, path, False)
        current = out.get(bound)
        if current is not None and (current > value if lower else current < value):
            return  # the inclusive bound is tighter already
        if out.get("type") == "integer":
            out[bound] = math.floor(value) + 1 if lower else math.ceil(value) - 1
        else:
            out[bound] = value
            self.note(f"approximated '{key}' at {path} as inclusive '{bound}': Vertex does not accept it")

    def _merge(self, a: Node, b: Node, path: str) -> Node:
        """``allOf`` of two partial nodes; ``a``'s annotations win."""
        if "anyOf" in a or "anyOf" in b:
            return self._merge_union(a, b, path)
        out = dict(a)
        for k, v in b.items():
            if k not in out:
                out[k] = v
                continue
            cur = out[k]
            if k == "type" and cur != v:
                out[k] = _merge_type(cur, v, a, b, path)
            elif k == "properties":
                out[k] = {**cur, **{n: self._merge(cur[n], x, path) if n in cur else x for n, x in v.items()}}
            elif k == "required":
                out[k] = list(dict.fromkeys([*cur, *v]))
            elif k in _LOWER or k in _UPPER:
                out[k] = max(cur, v) if k in _LOWER else min(cur, v)
            elif k == "enum":
                out[k] = [x for x in cur if any(_same(x, y) for y in v)]
                if not out[k]:
                    raise TranslationError(f"{path}: the 'allOf' members share no 'enum' value")
            elif k == "items":
                out[k] = self._merge(cur, v, f"{path}.items")
            elif k == "additionalProperties":  # false wins, true gives way, two schemas merge
                if cur is not False and v is not True:
                    out[k] = v if v is False or cur is True else self._merge(cur, v, path)
            elif k == "pattern" and cur != v:
                self.note(f"dropped the second 'pattern' at {path}: Vertex takes one pattern per value")
        if "nullable" in a or "nullable" in b:
            if _allows_null(a) and _allows_null(b):
                out["nullable"] = True
            else:
                out.pop("nullable", None)
        return out

    def _merge_union(self, a: Node, b: Node, path: str) -> Node:
        if "anyOf" in a and "anyOf" in b:
            raise TranslationError(f"{path}: 'allOf' combines two unions; rewrite them as one 'anyOf'")
        union, other = (a, b) if "anyOf" in a else (b, a)
        cons = {k: v for k, v in other.items() if k not in _ANNOTATIONS}
        out: Node = {
            "anyOf": [self._merge(m, cons, path) for m in union["anyOf"]] if cons else union["anyOf"]
        }
        out.update({k: src[k] for src in (b, a) for k in _ANNOTATIONS if k in src})
        if union.get("nullable") is True and _allows_null(other):
            out["nullable"] = True
        return out

    # ---- one walk: JSON Schema -> Vertex node, for the common nodes ------------------------------

    def final(self, s: Any, path: str, root: bool = False) -> Node:
        """``finish(node(s))``: in one walk for the common nodes no merge can reach (the root, and
        the properties and items of such nodes), with half the dispatch and no partial node.

        Notes and node counts come out as the two passes make them; errors may not (another node may
        fail first), so `_convert` redoes a failed conversion in two passes.
        """
        if s.__class__ is not dict:
            return self.finish(self.node(s, path), path, root)
        t = s.get("type")
        if t.__class__ is str:
            if s.keys() <= _TEXT_LEAF and t in _TEXT_TYPES and all(map(_is_str, s.values())):
                self._count(2, path)  # {"type": "string", "description": ..}: the most common node
                return {"type": t, **s}
            if self._fits(s, t):
                return self._walk(s, t, path)
        elif len(s) == 1 and ("$ref" in s or (t.__class__ in (list, tuple) and len(t) == 2 and "null" in t)):
            return self._final_ref(s, path, root) if "$ref" in s else self._final_nullable(s, path)
        elif "anyOf" in s and (x := self._optional(s)) is not None:
            return self._final_optional(s, x, path)
        return self.finish(self.node(s, path), path, root)

    def _fits(self, s: dict[str, Any], t: str) -> bool:
        handled = _ONE_WALK.get(t)
        if handled is None or not (s.keys() <= handled or (s.keys() - handled).isdisjoint(_KNOWN)):
            return False
        if t == "array":
            return s.get("items", {}).__class__ is dict  # not a tuple, not false: `_items`
        # For a response, `additionalProperties` is converted: a schema there takes the two passes.
        return not (
            t == "object" and self.response and s.get("additionalProperties", True).__class__ is not bool
        )

    def _walk(self, s: dict[str, Any], t: str, path: str) -> Node:
        self._count(2, path)  # as both passes count
        out: Node = {"type": t, "nullable": True} if s.get("nullable") is True else {"type": t}
        if "enum" in s:  # (strings only)
            self._finish_enum(_enum_values(s, path) or [], False, out, path)
        keep = _KEEP[t]
        for k, v in s.items():
            if k in keep:
                out[k] = _scalar(k, v, _KIND[k], path)
        if t == "object" or t == "array":
            self.depth += 1
            if t == "object":
                self._final_object(s, out, path)
            else:
                out["items"] = (
                    self.final(s["items"], f"{path}.items")
                    if "items" in s
                    else self.finish({}, f"{path}.items")
                )
            self.depth -= 1
        return out

    def _final_object(self, s: dict[str, Any], out: Node, path: str) -> None:
        n: Node = {}  # what the first pass makes of the object keywords, with finished properties
        for k, v in s.items():
            if k == "properties":
                if not isinstance(v, Mapping):
                    _invalid(path, k, "an object that maps property names to schemas")
                n[k] = {name: self.final(sub, f"{path}.properties.{name}") for name, sub in v.items()}
            elif k == "required" or k == "propertyOrdering":
                n[k] = _names(k, v, path)
            elif k == "additionalProperties":  # (true or false for a response: `_fits`)
                n[k] = v is not False if v is True or v is False or v == {} else {}
        self._finish_object(n, out, path, done=True)

    def _final_ref(self, s: dict[str, Any], path: str, root: bool) -> Node:
        """A bare ``$ref``; its target in one walk when met first (`_ref` inlines partial nodes)."""
        self._count(1, path)
        target = self._target(s["$ref"], path)
        self.depth += 1
        if id(target) in self.inlined or id(target) in self.walked:
            out = self.finish(self._inlined(target, path), path, root)
        else:
            self.walked.add(id(target))
            self.active.append(id(target))
            out = self.final(target, path, root)
            self.active.pop()
        self.depth -= 1
        return out

    def _final_nullable(self, s: dict[str, Any], path: str) -> Node:
        """``{"type": [X, "null"]}``: ``{"type": X, "nullable": True}``, as `_split_types` makes it."""
        t = s["type"]
        x = t[1] if t[0] == "null" else t[0]
        if x.__class__ is not str or x not in _TYPE_SET or x == "null":
            return self.finish(self.node(s, path), path)
        self._count(4, path, deeper=2)  # this node, the union, its two members
        return self.finish({"type": x, "nullable": True}, path)

    def _optional(self, s: dict[str, Any]) -> int | None:
        """pydantic's Optional, ``{"anyOf": [X, {"type": "null"}]}`` and annotations, X a scalar that
        `_walk` takes: the index of X."""
        members = s["anyOf"]
        if members.__class__ is not list or len(members) != 2 or not s.keys() <= _OPTIONAL:
            return None
        x = 0 if members[1] == _NULL else 1 if members[0] == _NULL else -1
        m = members[x] if x >= 0 else None
        return x if m.__class__ is dict and m.get("type") in _SCALARS and self._fits(m, m["type"]) else None

    def _final_optional(self, s: dict[str, Any], x: int, path: str) -> Node:
        # What `_union` and `finish` make of it: X's node with nullable, the annotations beside
        # winning, and the second pass's notes at the union's path.
        self._count(3 if len(s) > 1 else 2, path)  # the union, its null member, the annotations
        self.depth += 1
        out = self._walk(s["anyOf"][x], s["anyOf"][x]["type"], path)
        self.depth -= 1
        ann = {k: _scalar(k, s[k], _KIND[k], path) for k in _ANNOTATIONS if k in s}
        return {"type": out["type"], "nullable": True, **out, **ann}

    # ---- second pass: partial node -> Vertex node -----------------------------------------------

    def finish(self, n: Node, path: str, root: bool = False) -> Node:
        self.count += 1  # shared $ref targets are expanded here, so the size limit applies again
        if self.count > _MAX_NODES:
            raise TranslationError(f"{path}: the schema is too large after inlining $ref")
        if "anyOf" in n:
            return self._finish_union(n, path)
        t = n.get("type") or self._guess_type(n, path, root)
        if t == "null":
            self.late.append(
                f"approximated the null-only schema at {path} as a nullable object: Vertex has no null type"
            )
            n, t = {**n, "nullable": True}, "object"
        out: Node = {"type": t, "nullable": True} if n.get("nullable") is True else {"type": t}
        fmt = n.get("format")
        if fmt is not None and fmt != "enum":
            if fmt in _FORMATS.get(t, ()):
                out["format"] = fmt
            else:
                self.late.append(f"dropped 'format: {fmt}' at {path}: Vertex does not accept it for type {t}")
        if "enum" in n:
            self._finish_enum(n["enum"], fmt == "enum", out, path)  # may turn a number into an integer
        keep = _KEEP[out["type"]]
        for k, v in n.items():
            if k in keep:
                out[k] = v
        if t == "array":  # Vertex needs items; a missing one means "any value" (the untyped note)
            out["items"] = self.finish(n.get("items", {}), f"{path}.items")
        elif t == "object":
            self._finish_object(n, out, path, done=False)
        return out

    def _finish_union(self, n: Node, path: str) -> Node:
        # Vertex rejects keywords beside anyOf: annotations move into the members (theirs win).
        push = {k: n[k] for k in ("title", "description") if k in n}
        members: list[Node] = []
        for i, member in enumerate(n["anyOf"]):
            member = {**push, **member}
            if n.get("nullable") is True:
                member["nullable"] = True
            done = self.finish(member, f"{path}.anyOf[{i}]")
            members.extend(done.get("anyOf", [done]))  # flat, so that a second run changes nothing
        return members[0] if len(members) == 1 else {"anyOf": members}

    def _guess_type(self, n: Node, path: str, root: bool) -> str:
        for t, keys in _GUESS:
            if any(k in n for k in keys):
                return t
        fmt = n.get("format")
        if fmt is not None:
            return next((t for t in ("integer", "number") if fmt in _FORMATS[t]), "string")
        if not root:  # the root of parameters or of a response schema is an object by definition
            self.late.append(
                f"approximated the untyped schema at {path} as an object: Vertex requires a 'type'"
            )
        return "object"

    def _finish_enum(self, values: list[Any], format_enum: bool, out: Node, path: str) -> None:
        t = out["type"]
        if t == "string":  # others can never be valid (below as well, where they may be unhashable)
            kept = list(dict.fromkeys(filter(_is_str, values)))
            if "" in kept:
                kept.remove("")
                self.late.append(
                    f"dropped the empty string from 'enum' at {path}: Vertex rejects empty enum values"
                )
            if kept:
                out["enum"] = kept
                if format_enum:
                    out["format"] = "enum"
            return
        kept = [v for v in values if _has_type(v, t)]
        if t in ("integer", "number") and kept and all(_has_type(v, "integer") for v in kept):
            # Vertex documents integer enums as {type: INTEGER, format: enum, enum: ["101", "201"]}.
            out.update(type="integer", format="enum", enum=list(dict.fromkeys(str(int(v)) for v in kept)))
        elif not (t == "boolean" and len(set(kept)) == 2):  # [true, false] allows every boolean
            self.late.append(
                f"dropped 'enum'/'const' at {path}: Vertex takes enum values for strings and integers only"
            )

    def _finish_object(self, n: Node, out: Node, path: str, done: bool) -> None:
        """``done``: the properties are finished already (`final`)."""
        props: dict[str, Node] = n.get("properties") or {}
        if props:
            out["properties"] = (
                props if done else {k: self.finish(v, f"{path}.properties.{k}") for k, v in props.items()}
            )
        required = list(dict.fromkeys(n.get("required") or ()))
        unknown = list(filterfalse(props.__contains__, required))
        if unknown:
            self.late.append(f"dropped {unknown} from 'required' at {path}: they are not in 'properties'")
            required = list(filter(props.__contains__, required))
        if required:
            out["required"] = required
        if self.response and props:
            order = n.get("propertyOrdering") or []
            valid = len(order) == len(props) and set(order) == set(props)
            out["propertyOrdering"] = list(order) if valid else list(props)
        extra = n.get("additionalProperties")
        if self.response and extra is not None:
            if isinstance(extra, dict):
                extra = self.finish(extra, f"{path}.additionalProperties")
                self.late.append(
                    f"kept the 'additionalProperties' schema at {path}, but Vertex may return an empty "
                    "object for such maps (googleapis/python-genai#2889)"
                )
            out["additionalProperties"] = extra
        elif isinstance(extra, dict):
            # `additionalProperties: false` is dropped silently: OpenAI's strict mode puts it on every
            # object, and Gemini only fills in the declared properties anyway. A map schema is a loss.
            self.late.append(
                f"dropped the 'additionalProperties' schema at {path}: "
                "Vertex tool parameters do not accept it"
            )


# ---- helpers -------------------------------------------------------------------------------------


def _scalar(k: str, v: Any, kind: int, path: str) -> Any:
    """A keyword kept as its value: checked, or copied (``default``, ``example``)."""
    if kind == _STR:
        return v if isinstance(v, str) else _invalid(path, k, "a string")
    if kind == _VALUE:
        return copy.deepcopy(v) if isinstance(v, (dict, list)) else v  # never alias the input
    return _number(k, v, path, kind == _COUNT)


def _names(k: str, v: Any, path: str) -> Any:
    ok = isinstance(v, (list, tuple)) and all(map(_is_str, v))
    return v if ok else _invalid(path, k, "a list of property names")


def _invalid(path: str, k: str, what: str) -> Any:
    raise TranslationError(f"{path}: '{k}' must be {what}")


def _number(k: str, v: Any, path: str, count: bool) -> Any:
    ok = (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and math.isfinite(v))
    if ok and not count:
        return v
    if ok and v >= 0 and (isinstance(v, int) or v.is_integer()):
        return int(v)
    return _invalid(path, k, "a non-negative integer" if count else "a number")


def _type_name(t: Any, path: str) -> str:
    if t in _TYPES:
        return cast(str, t)
    name = t.lower() if isinstance(t, str) else None
    if name not in _TYPES:
        raise TranslationError(f"{path}: unknown 'type' {t!r}; use one of {', '.join(_TYPES)}")
    return name


def _json_type(v: Any) -> str:
    return next(
        t for t in ("null", "boolean", "integer", "number", "string", "array", "object") if _has_type(v, t)
    )


_PYTHON_TYPES: dict[str, Any] = dict(
    string=str, boolean=bool, null=type(None), array=(list, tuple), object=Mapping
)


def _has_type(v: Any, t: str) -> bool:
    if t == "integer" or t == "number":
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return False
        return t == "number" or isinstance(v, int) or v.is_integer()
    return isinstance(v, _PYTHON_TYPES[t])


def _same(x: Any, y: Any) -> bool:
    """JSON equality: 1 == 1.0, but true != 1."""
    return bool(x == y) and isinstance(x, bool) == isinstance(y, bool)


def _is_int_text(v: str) -> bool:
    return v.isascii() and v.lstrip("-").isdigit()


def _enum_values(s: Mapping[str, Any], path: str) -> list[Any] | None:
    if "const" in s:
        return [s["const"]]  # const is at least as strict as any enum beside it
    values = s.get("enum")
    if values is not None and not isinstance(values, (list, tuple)):
        _invalid(path, "enum", "a list")
    return None if values is None else list(values)


def _trivial(k: str, v: Any) -> bool:
    """A noted keyword whose value allows everything (``uniqueItems: false``, ``propertyNames: {}``)."""
    if k == "uniqueItems":
        return v is False
    return k not in ("not", "contains", "minContains") and (v is True or v == {})


def _nonempty_list(v: Any, path: str) -> list[Any]:
    if not isinstance(v, (list, tuple)) or not v:
        raise TranslationError(f"{path}: must be a non-empty list of schemas")
    return list(v)


def _allows_null(n: Node) -> bool:
    if n.get("nullable") is True:
        return True
    if "anyOf" in n:
        return any(_allows_null(m) for m in n["anyOf"])
    return n.get("type") in (None, "null")


def _merge_type(a: str, b: str, na: Node, nb: Node, path: str) -> str:
    if {a, b} == {"integer", "number"}:
        return "integer"
    if (a == "null" and _allows_null(nb)) or (b == "null" and _allows_null(na)):
        return "null"
    raise TranslationError(f"{path}: 'allOf' combines the incompatible types {a!r} and {b!r}")
