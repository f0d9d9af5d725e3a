"""JSON Schema -> the OpenAPI-subset schema Gemini accepts on Vertex, for tools and structured output.

Two passes.  ``_Converter.node`` reads JSON Schema into a *partial* node that already speaks Gemini:
``$ref`` inlined, ``allOf`` merged, ``oneOf``/type arrays/``const`` turned into ``anyOf``/``nullable``/
``enum``, dropped constraints noted.  ``_Converter.finish`` then shapes each node for Vertex: a type
everywhere, enums as strings, only the keywords of that type, annotations moved into ``anyOf``
members, ``propertyOrdering`` for response schemas.  Merging needs un-guessed nodes (an untyped
``{"description": ..}`` must not become an object before it is merged into a string), hence two passes.

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
import json
import marshal
import math
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast
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
# Scalar nodes whose keywords `finish` all keeps unchanged (no format, no enum): a fast path.
_PASSED = {t: _KEEP[t] | {"type", "nullable"} for t in ("string", "integer", "number", "boolean")}
# Leaves whose string keywords `_simple` copies unchanged (``{"type": "string", "description": ..}``).
_PLAIN = frozenset({"type", "title", "description", "pattern", "format"})
_TYPE_SET = frozenset(_TYPES)
_EMPTY: Node = {}  # shared, so never mutated
_FORMATS = {"string": ("date-time",), "integer": ("int32", "int64"), "number": ("float", "double")}
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


_cache: OrderedDict[tuple[object, bool, str], ConvertedSchema] = OrderedDict()
_cache_lock = threading.Lock()


def convert_schema(schema: Mapping[str, Any], *, response: bool, where: str = "schema") -> ConvertedSchema:
    """Convert JSON Schema for Vertex; raise TranslationError for what cannot be expressed.

    Memoized by content, key order included (it becomes ``propertyOrdering``).  marshal format 2 is
    a faithful, order-keeping encoding without back-references, and 3x faster than ``json.dumps``.
    """
    try:
        content: object = marshal.dumps(cast(Any, schema), 2)
    except ValueError:  # a Mapping that is not a dict, a str subclass, a very deep schema...
        try:
            content = json.dumps(schema, default=_jsonable)
        except (TypeError, ValueError, RecursionError) as exc:
            raise TranslationError(
                f"{where}: the schema must be plain, not too deep JSON data ({exc})"
            ) from None
    key = (content, response, where)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    if not isinstance(schema, Mapping):
        raise TranslationError(f"{where}: expected a JSON Schema object, got {type(schema).__name__}")
    conv = _Converter(schema, response)
    out = conv.finish(conv.node(schema, where), where, root=True)
    result = ConvertedSchema(out, tuple(dict.fromkeys(conv.notes)))
    with _cache_lock:
        _cache[key] = result
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return result


def _jsonable(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


class _Converter:
    def __init__(self, root: Mapping[str, Any], response: bool) -> None:
        self.root = root
        self.response = response
        self.notes: list[str] = []
        self.active = [id(root)]  # schemas being inlined: meeting one again is a cycle
        self.inlined: dict[int, Node] = {}  # partial nodes are never mutated, so a $ref target is reused
        self.targets: dict[str, Any] = {}
        self.depth = self.count = 0

    def note(self, text: str) -> None:
        self.notes.append(text)

    # ---- first pass: JSON Schema -> partial node ------------------------------------------------

    def node(self, s: Any, path: str) -> Node:
        if s.__class__ is not dict:
            if s is True:
                return {}
            if not isinstance(s, Mapping):
                what = "false (nothing is valid)" if s is False else type(s).__name__
                raise TranslationError(
                    f"{path}: expected a JSON Schema object, got {what}; remove or rewrite it"
                )
        self.count += 1
        if self.depth >= _MAX_DEPTH or self.count > _MAX_NODES:
            raise TranslationError(f"{path}: the schema is too deep or too large (after inlining $ref)")
        if s.keys() <= _PLAIN and _is_plain(s):
            return dict(s)  # what `_simple` makes of it, minus the keyword-by-keyword dispatch
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
                return self._nullable_type(s) or self.node(self._split_types(s, path), path)
            return self._simple(s, path)
        finally:
            self.depth -= 1

    def _ref(self, s: Mapping[str, Any], path: str) -> Node:
        ref = s["$ref"]
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
        resolved = self.inlined.get(id(target))
        if resolved is None:
            self.active.append(id(target))
            try:
                resolved = self.inlined[id(target)] = self.node(target, path)
            finally:
                self.active.pop()
        # 2020-12 allows keywords beside $ref (pydantic puts description/default there); theirs win.
        rest = {k: v for k, v in s.items() if k not in ("$ref", "$defs", "definitions")}
        return self._merge(self.node(rest, path), resolved, path) if rest else resolved

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
        base = ann = cons = _EMPTY  # the common bare union: nothing beside anyOf
        if rest:
            base = self.node(rest, path)
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

    def _nullable_type(self, s: Mapping[str, Any]) -> Node | None:
        """``{"type": [X, "null"]}`` alone: what the ``anyOf`` route below makes of it, without the detour.

        That route counts three more nodes (the union, its members) one and two levels deeper.
        """
        t = s.get("type") if len(s) == 1 else None
        if not isinstance(t, (list, tuple)) or len(t) != 2 or "null" not in t:
            return None
        if self.depth + 1 >= _MAX_DEPTH or self.count + 3 > _MAX_NODES:
            return None
        other = t[1] if t[0] == "null" else t[0]
        if other.__class__ is not str or other not in _TYPE_SET or other == "null":
            return None
        self.count += 3
        return {"type": other, "nullable": True}

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
            if kind == _STR:
                out[k] = v if isinstance(v, str) else _invalid(path, k, "a string")
            elif kind == _TYPE:
                out[k] = _type_name(v, path)
            elif kind in (_COUNT, _NUM):
                out[k] = _number(k, v, path, kind == _COUNT)
            elif kind == _NAMES:
                ok = isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v)
                out[k] = list(v) if ok else _invalid(path, k, "a list of property names")
            elif kind == _VALUE:
                out[k] = copy.deepcopy(v) if isinstance(v, (dict, list)) else v  # never alias the input
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

    # ---- second pass: partial node -> Vertex node -----------------------------------------------

    def finish(self, n: Node, path: str, root: bool = False) -> Node:
        self.count += 1  # shared $ref targets are expanded here, so the size limit applies again
        if self.count > _MAX_NODES:
            raise TranslationError(f"{path}: the schema is too large after inlining $ref")
        t = n.get("type")
        passed = _PASSED.get(t) if t.__class__ is str else None
        if passed is not None and n.keys() <= passed and n.get("nullable", True) is True:
            # Every keyword is kept as it is: the general path below would only reorder type first.
            return {"type": t, "nullable": True, **n} if "nullable" in n else {"type": t, **n}
        if "anyOf" in n:
            return self._finish_union(n, path)
        t = t or self._guess_type(n, path, root)
        if t == "null":
            self.note(
                f"approximated the null-only schema at {path} as a nullable object: Vertex has no null type"
            )
            n, t = {**n, "nullable": True}, "object"
        out: Node = {"type": t, "nullable": True} if n.get("nullable") is True else {"type": t}
        fmt = n.get("format")
        if fmt is not None and fmt != "enum":
            if fmt in _FORMATS.get(t, ()):
                out["format"] = fmt
            else:
                self.note(f"dropped 'format: {fmt}' at {path}: Vertex does not accept it for type {t}")
        if "enum" in n:
            self._finish_enum(n["enum"], fmt == "enum", out, path)  # may turn a number into an integer
        keep = _KEEP[out["type"]]
        for k, v in n.items():
            if k in keep:
                out[k] = v
        if t == "array":  # Vertex needs items; a missing one means "any value" (the untyped note)
            out["items"] = self.finish(n.get("items", {}), f"{path}.items")
        elif t == "object":
            self._finish_object(n, out, path)
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
            self.note(f"approximated the untyped schema at {path} as an object: Vertex requires a 'type'")
        return "object"

    def _finish_enum(self, values: list[Any], format_enum: bool, out: Node, path: str) -> None:
        t = out["type"]
        kept = [v for v in values if _has_type(v, t)]  # others can never be valid; may be unhashable
        if t == "string":
            kept = list(dict.fromkeys(kept))
            if "" in kept:
                kept.remove("")
                self.note(f"dropped the empty string from 'enum' at {path}: Vertex rejects empty enum values")
            if kept:
                out["enum"] = kept
                if format_enum:
                    out["format"] = "enum"
        elif t in ("integer", "number") and kept and all(_has_type(v, "integer") for v in kept):
            # Vertex documents integer enums as {type: INTEGER, format: enum, enum: ["101", "201"]}.
            out.update(type="integer", format="enum", enum=list(dict.fromkeys(str(int(v)) for v in kept)))
        elif not (t == "boolean" and len(set(kept)) == 2):  # [true, false] allows every boolean
            self.note(
                f"dropped 'enum'/'const' at {path}: Vertex takes enum values for strings and integers only"
            )

    def _finish_object(self, n: Node, out: Node, path: str) -> None:
        props: dict[str, Node] = n.get("properties") or {}
        if props:
            out["properties"] = {k: self.finish(v, f"{path}.properties.{k}") for k, v in props.items()}
        required = list(dict.fromkeys(n.get("required") or ()))
        unknown = [r for r in required if r not in props]
        if unknown:
            self.note(f"dropped {unknown} from 'required' at {path}: they are not in 'properties'")
        if len(unknown) < len(required):
            out["required"] = [r for r in required if r in props]
        if self.response and props:
            order = n.get("propertyOrdering") or []
            valid = len(order) == len(props) and set(order) == set(props)
            out["propertyOrdering"] = list(order) if valid else list(props)
        extra = n.get("additionalProperties")
        if self.response and extra is not None:
            if isinstance(extra, dict):
                extra = self.finish(extra, f"{path}.additionalProperties")
                self.note(
                    f"kept the 'additionalProperties' schema at {path}, but Vertex may return an empty "
                    "object for such maps (googleapis/python-genai#2889)"
                )
            out["additionalProperties"] = extra
        elif isinstance(extra, dict):
            # `additionalProperties: false` is dropped silently: OpenAI's strict mode puts it on every
            # object, and Gemini only fills in the declared properties anyway. A map schema is a loss.
            self.note(
                f"dropped the 'additionalProperties' schema at {path}: "
                "Vertex tool parameters do not accept it"
            )


# ---- helpers -------------------------------------------------------------------------------------


def _is_plain(s: Mapping[str, Any]) -> bool:
    """Keys in ``_PLAIN`` only: are the values exact strings, and the type a lowercase type name?"""
    return all(v.__class__ is str and (k != "type" or v in _TYPE_SET) for k, v in s.items())


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
