"""One walk for the schemas most code sends: what ``schema_full`` makes of them, at a third of the cost.

It takes typed nodes (with annotations, formats, string enums/const, bounds, items, properties,
dropped keywords), bare ``$ref`` and ``$ref`` with annotations, pydantic's ``Optional``
(``anyOf: [X, {"type": "null"}]``) and ``type: [X, "null"]``.  Anything else (``allOf``, real unions,
untyped or null nodes, tuples, map schemas in responses, invalid values, very large or deep schemas)
makes it give up, and the reference converter does the whole schema.  ``tests/test_schema_fast.py``
checks that both give the same schema and notes wherever this one does not give up.

Notes come in two lists, as the reference makes them: ``notes`` in reading order (dropped keywords,
approximated bounds) and ``late`` in output order (formats, enums, ``required``, maps), each at its
own path: below an ``Optional``, the first names the union member and the second the union itself.
"""

from __future__ import annotations

import copy
from typing import Any

from .schema_rules import (
    ANNOTATIONS,
    COUNT,
    EXAMPLES,
    EXCLUSIVE,
    INPUT_BY_TYPE,
    KEEP,
    KIND,
    KNOWN,
    MAX_DEPTH,
    MAX_NODES,
    NOTE,
    NUM,
    STR,
    TYPED_INPUT,
    VALUE,
    Node,
    add_format,
    approximated_exclusive,
    dropped_keyword,
    dropped_tool_map,
    exclusive_bound,
    known_required,
    names,
    number,
    property_ordering,
    scalar,
    string_enum,
    trivial,
)

__all__ = ["convert_fast"]

# Well inside the reference's limits, so that a schema this walk converts is never one the reference
# refuses as too deep or too large: it counts up to three levels for one here (a type list: the
# node, its union, the member) and up to five nodes for one here, plus the $ref targets it reuses.
_MAX_DEPTH = MAX_DEPTH // 3 - 3
_MAX_NODES = MAX_NODES // 10
_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object"})
_NULL = {"type": "null"}
# What `node` does with each keyword, by node type; a keyword not listed is unknown (an annotation).
_TEXT, _LATER, _PROPS, _NAMES, _EXTRA = range(5)  # handled in the loops of `node` and `_container`
_NUMBER, _COUNT, _VALUE, _NULLABLE, _CHECK, _NOTED, _EXAMPLES, _GIVE_UP = range(5, 13)  # `_keyword`
_KEPT_AS = {STR: _TEXT, NUM: _NUMBER, COUNT: _COUNT, VALUE: _VALUE}
_OBJECT = {
    "properties": _PROPS,
    "required": _NAMES,
    "propertyOrdering": _NAMES,
    "additionalProperties": _EXTRA,
}


def _actions(t: str) -> dict[str, int]:
    container = t in ("array", "object")
    table = dict.fromkeys(("$ref", "allOf", "anyOf", "oneOf"), _GIVE_UP)
    for k, kind in KIND.items():
        if k == "type" or (k == "items" and t == "array") or (k == "format" and container):
            continue  # read before or after the loop
        if k == "nullable":
            table[k] = _NULLABLE
        elif k == "format" or k.startswith("exclusive") or (k in ("enum", "const") and t == "string"):
            table[k] = _LATER
        elif k in _OBJECT and t == "object":
            table[k] = _OBJECT[k]
        elif k in KEEP[t]:
            table[k] = _KEPT_AS[kind]
        elif kind in (STR, COUNT, NUM):
            table[k] = _CHECK  # checked as the reference checks it, then dropped
        elif kind in (NOTE, EXAMPLES):
            table[k] = _NOTED if kind == NOTE else _EXAMPLES
        else:  # a keyword of another type, which the reference reads before dropping it; prefixItems
            table[k] = _GIVE_UP
    return table


_ACTIONS = {t: _actions(t) for t in _TYPES}
# What `type: [X, "null"]` hands to X (the reference gives a string member the string values).
_OWN = {
    t: INPUT_BY_TYPE.get(t, frozenset()) | ({"enum", "const"} if t == "string" else set()) for t in _TYPES
}


class _GiveUp(Exception):
    pass


def convert_fast(schema: dict[str, Any], response: bool, where: str) -> tuple[Node, list[str]] | None:
    """The converted schema and its notes, or None: then only ``schema_full`` knows."""
    walk = _Walk(schema, response)
    try:
        out = walk.node(schema, where, where)
    except Exception:  # _GiveUp, or input this walk does not expect: the reference decides
        return None
    return out, walk.notes + walk.late if walk.late else walk.notes


class _Walk:
    __slots__ = ("active", "count", "depth", "late", "notes", "quiet", "response", "root", "seen")

    def __init__(self, root: dict[str, Any], response: bool) -> None:
        self.root = root
        self.response = response
        self.notes: list[str] = []
        self.late: list[str] = []
        self.quiet = self.depth = 0  # quiet: see `_ref`
        self.count = 1  # nodes, counted by their parent
        self.active: list[int] | None = None  # made by the first $ref
        self.seen: set[int] | None = None

    def _deeper(self, nodes: int) -> None:
        """Down to ``nodes`` children (of a container, a $ref, a union): the reference refuses schemas
        deeper or larger than its limits, and counts each level here at least once."""
        self.depth += 1
        self.count += nodes
        if self.depth > _MAX_DEPTH or self.count > _MAX_NODES:
            raise _GiveUp

    def node(self, s: Any, path: str, late_path: str) -> Node:
        """A typed node here (most nodes: one call each); the other shapes in their own methods."""
        if s.__class__ is not dict:
            raise _GiveUp
        t: Any = s.get("type")
        actions = _ACTIONS.get(t) if t.__class__ is str else None
        if actions is None:
            return self._untyped(s, t, path, late_path)
        if t == "object" or t == "array":
            return self._container(s, t, actions, path, late_path)
        out: Node = {"type": t}
        later = False
        for k, v in s.items():
            action = actions.get(k)
            if action is None:
                continue  # an annotation Vertex does not know, or the type
            if action == _TEXT:
                out[k] = v if v.__class__ is str else scalar(k, v, STR, path)
            elif action == _LATER:
                later = True
            else:
                self._keyword(action, k, v, s, out, path)
        if later:
            self._later(s, t, out, path, late_path)
        return out

    def _container(
        self, s: dict[str, Any], t: str, actions: dict[str, int], path: str, late_path: str
    ) -> Node:
        out: Node = {"type": t}
        if "format" in s:
            self._format(s["format"], t, out, late_path)  # before the children's late notes
        later = False
        props = required = order = extra = None
        for k, v in s.items():
            action = actions.get(k)
            if action is None:
                continue  # an annotation Vertex does not know, or read before or after this loop
            if action == _TEXT:
                out[k] = v if v.__class__ is str else scalar(k, v, STR, path)
            elif action == _PROPS:
                props = self._properties(v, path, late_path)
            elif action == _NAMES:
                if k == "required":
                    required = names(k, v, path)
                else:
                    order = names(k, v, path)
            elif action == _EXTRA:
                extra = v
            elif action == _LATER:
                later = True
            else:
                self._keyword(action, k, v, s, out, path)
        if t == "array":
            items = s.get("items")
            if items is None:
                raise _GiveUp  # (the reference notes a missing items, at this path)
            self._deeper(1)
            ip = f"{path}.items"
            out["items"] = self.node(items, ip, ip if late_path is path else f"{late_path}.items")
            self.depth -= 1
        if later:
            self._later(s, t, out, path, late_path)
        if t == "object":
            self._object(props or {}, required or (), order, extra, out, late_path)
        return out

    def _untyped(self, s: dict[str, Any], t: Any, path: str, late_path: str) -> Node:
        if "$ref" in s:
            return self._ref(s, path, late_path)
        if t is None:
            return self._optional(s, path, late_path)
        return self._nullable_type(s, t, path, late_path)  # (or give up: "null", "STRING", ...)

    def _keyword(self, action: int, k: str, v: Any, s: dict[str, Any], out: Node, path: str) -> None:
        if action == _NUMBER:
            out[k] = v if v.__class__ is int else scalar(k, v, NUM, path)
        elif action == _COUNT:
            out[k] = v if v.__class__ is int and v >= 0 else scalar(k, v, COUNT, path)
        elif action == _VALUE:
            out[k] = scalar(k, v, VALUE, path)
        elif action == _NULLABLE:
            if v is True:
                out["nullable"] = True
        elif action == _CHECK:
            scalar(k, v, KIND[k], path)
        elif action == _NOTED:
            if not trivial(k, v) and not self.quiet:
                self.notes.append(dropped_keyword(k, path))
        elif action == _EXAMPLES:
            if "example" not in s and isinstance(v, list) and v:
                out["example"] = copy.deepcopy(v[0])  # Vertex knows OpenAPI's singular form
        else:
            raise _GiveUp

    def _properties(self, v: Any, path: str, late_path: str) -> dict[str, Node]:
        if v.__class__ is not dict:
            raise _GiveUp
        self._deeper(len(v))
        same = late_path is path
        props = {}
        for name, sub in v.items():
            p = f"{path}.properties.{name}"
            props[name] = self.node(sub, p, p if same else f"{late_path}.properties.{name}")
        self.depth -= 1
        return props

    def _later(self, s: dict[str, Any], t: str, out: Node, path: str, late_path: str) -> None:
        """A scalar's format and enum (late notes, in this order), then exclusive bounds (notes)."""
        if t != "object" and t != "array":
            fmt = s.get("format")
            if fmt is not None:
                self._format(fmt, t, out, late_path)
            if "enum" in s or "const" in s:  # (strings only: `_ACTIONS`)
                values = [s["const"]] if "const" in s else s["enum"]
                if values.__class__ is not list:
                    raise _GiveUp
                kept = string_enum(values, late_path, self.late)
                if kept:
                    out["enum"] = kept
                    if fmt == "enum":
                        out["format"] = "enum"
        for key, bound, lower in EXCLUSIVE:
            if key in s:
                self._exclusive(s, key, bound, lower, out, path)

    def _format(self, fmt: Any, t: str, out: Node, late_path: str) -> None:
        if fmt.__class__ is not str:
            raise _GiveUp
        add_format(fmt, t, out, late_path, self.late)

    def _exclusive(self, s: dict[str, Any], key: str, bound: str, lower: bool, out: Node, path: str) -> None:
        value = s[key]
        if value is None or value.__class__ is bool:
            if value is True and bound in s:
                raise _GiveUp  # draft 4's flag form
            return
        integer = out["type"] == "integer"
        new = exclusive_bound(number(key, value, path, False), s.get(bound), lower, integer)
        if new is not None:
            if bound in KEEP[out["type"]]:
                out[bound] = new
            if not integer and not self.quiet:
                self.notes.append(approximated_exclusive(key, path, bound))

    def _object(
        self, props: dict[str, Node], required: Any, order: Any, extra: Any, out: Node, late_path: str
    ) -> None:
        if props:
            out["properties"] = props
        required = known_required(required, props, late_path, self.late)
        if required:
            out["required"] = required
        if self.response and props:
            out["propertyOrdering"] = property_ordering(order, props)
        if extra is None:
            return
        if extra is True or extra is False or extra == {}:
            if self.response:
                out["additionalProperties"] = extra is not False
        elif self.response:
            raise _GiveUp  # a map schema in a response: the reference converts it
        else:
            self.late.append(dropped_tool_map(late_path))

    def _ref(self, s: dict[str, Any], path: str, late_path: str) -> Node:
        ann = self._annotations(s, "$ref", path)
        ref = s["$ref"]
        if ref.__class__ is not str or not ref.startswith("#/"):
            raise _GiveUp  # (the reference resolves other pointers, or says why it cannot)
        section, _, name = ref[2:].partition("/")
        if section not in ("$defs", "definitions") or not name.isidentifier():
            raise _GiveUp  # other pointers, and names that need unescaping
        defs = self.root.get(section)
        target = defs.get(name) if defs.__class__ is dict else None
        if self.active is None or self.seen is None:
            self.active = [id(self.root)]  # the $ref targets being converted: one again is a cycle
            self.seen = set()
        if target is None or id(target) in self.active:
            raise _GiveUp  # unresolved or recursive: the reference says so
        # Converted again at each use, but the reference notes what it reads in a target only once.
        again = id(target) in self.seen
        self.seen.add(id(target))
        self.quiet += again
        self.active.append(id(target))
        self._deeper(1)
        out = self.node(target, path, late_path)
        self.depth -= 1
        self.active.pop()
        self.quiet -= again
        out.update(ann)  # keywords beside $ref win
        return out

    def _optional(self, s: dict[str, Any], path: str, late_path: str) -> Node:
        """``anyOf``/``oneOf`` of X and ``{"type": "null"}``: X, nullable, with the annotations beside."""
        key = "anyOf" if "anyOf" in s else "oneOf"
        members = s.get(key)
        if members.__class__ is not list or len(members) != 2 or ("anyOf" in s and "oneOf" in s):
            raise _GiveUp
        x = 0 if members[1] == _NULL else 1 if members[0] == _NULL else -1
        member = members[x] if x >= 0 else None
        if member.__class__ is not dict or member == _NULL or ("type" not in member and "$ref" not in member):
            raise _GiveUp  # (a nested union flattens in the reference)
        ann = self._annotations(s, key, path) if len(s) > 1 else None
        self._deeper(1)
        out = self.node(member, f"{path}.{key}[{x}]", late_path)
        self.depth -= 1
        out["nullable"] = True
        if ann:
            out.update(ann)
        return out

    def _nullable_type(self, s: dict[str, Any], t: Any, path: str, late_path: str) -> Node:
        """``type: [X, "null"]``: X's keywords to X, the annotations beside (as the reference's union)."""
        if t.__class__ is not list or len(t) != 2 or "null" not in t:
            raise _GiveUp
        x = 0 if t[1] == "null" else 1
        typ = t[x]
        if typ not in _TYPES:
            raise _GiveUp
        if len(s) == 1 and typ != "array":  # X alone: nothing to convert
            return {"type": typ, "nullable": True}
        own = _OWN[typ]
        if ("enum" in s or "const" in s) and "enum" not in own:
            raise _GiveUp  # (the reference splits the values by type)
        member: dict[str, Any] = {"type": typ}
        ann: dict[str, Any] = {}
        for k, v in s.items():
            if k in own:
                member[k] = v
            elif k in ANNOTATIONS:
                ann[k] = scalar(k, v, KIND[k], path)
            elif k in KNOWN and k not in TYPED_INPUT:
                raise _GiveUp  # (keywords of the other types are dropped, as the reference drops them)
        self._deeper(1)
        out = self.node(member, f"{path}.anyOf[{x}]", late_path)
        self.depth -= 1
        out["nullable"] = True
        out.update(ann)
        return out

    def _annotations(self, s: dict[str, Any], key: str, path: str) -> dict[str, Any]:
        """The annotations beside ``key``; any other known keyword there gives up (it would merge)."""
        ann: dict[str, Any] = {}
        for k, v in s.items():
            if k in ANNOTATIONS:
                ann[k] = scalar(k, v, KIND[k], path)
            elif k != key and k in KNOWN:
                raise _GiveUp
        return ann
