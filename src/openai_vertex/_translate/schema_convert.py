"""The JSON Schema -> Vertex schema converter: every construct, in two passes.

``_Reader.node`` (this module) reads JSON Schema into a *partial* node that already speaks Gemini:
``$ref`` inlined, ``allOf`` merged, ``oneOf``/type arrays/``const`` turned into ``anyOf``/``nullable``/
``enum``, dropped constraints noted.  ``schema_shape.Shaper`` then shapes each node for Vertex.
Merging needs un-guessed nodes (an untyped ``{"description": ..}`` must not become an object before it
is merged into a string), hence two passes; ``schema_merge`` does the merging.

Choices (facts in shared/research/vertex_compat.md 1.2, 1.6, 1.8, 3.1-3.3):
- recursive ``$ref``: an error; the endpoint documents "fully recursive schemas are not supported".
- integer enum/const: the documented integer enum form (`schema_rules`); other non-string enum/const
  values are dropped with a note.
- untyped (``{}``, pydantic ``Any``, ``items: {}``): ``{"type": "object"}`` with a note, as LiteLLM
  does; Vertex rejects untyped nodes ("type: must be specified").
- object without properties: ``{"type": "object"}``; Vertex rejects ``properties: {}`` ("should be
  non-empty for OBJECT type") and LiteLLM sends this shape for parameterless tools.
- ``additionalProperties``: dropped for tools, kept for response schemas (documented as supported).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from openai_vertex.exceptions import TranslationError

from .schema_merge import merge, same_value
from .schema_rules import (
    ANNOTATIONS,
    COUNT,
    EXAMPLES,
    EXCLUSIVE,
    EXTRA,
    INPUT_BY_TYPE,
    KIND,
    LATER,
    MAX_DEPTH,
    MAX_NODES,
    NAMES,
    NUM,
    PROPS,
    STR,
    TYPE,
    TYPED_INPUT,
    VALUE,
    Node,
    approximated_exclusive,
    dropped_keyword,
    exclusive_bound,
    has_type,
    invalid,
    names,
    number,
    scalar,
    trivial,
    type_name,
)
from .schema_shape import Shaper

__all__ = ["convert"]


def convert(schema: Mapping[str, Any], response: bool, where: str) -> tuple[Node, list[str]]:
    """The converted schema and its notes (in walk order, maybe repeated)."""
    reader = _Reader(schema, response)
    partial = reader.node(schema, where)
    shaper = Shaper(response, reader.count)
    out = shaper.finish(partial, where, root=True)
    if not response:  # Vertex takes function parameters as an object only
        out = shaper.object_root(out, where)
    return out, reader.notes + shaper.late


class _Reader:
    """The first pass: JSON Schema -> partial nodes."""

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
        if s is True:
            return {}
        if s.__class__ is not dict and not isinstance(s, Mapping):
            what = "false (nothing is valid)" if s is False else type(s).__name__
            raise TranslationError(f"{path}: expected a JSON Schema object, got {what}; remove or rewrite it")
        self.count += 1
        if self.depth >= MAX_DEPTH or self.count > MAX_NODES:
            raise TranslationError(f"{path}: the schema is too deep or too large (after inlining $ref)")
        self.depth += 1
        try:
            if s.get("nullable") is True and ("$ref" in s or "allOf" in s):
                # OpenAPI 3.0 style: the flag beside $ref/allOf lets the whole value be null; merged
                # with the target as allOf it would vanish (the target itself does not allow null).
                rest = {k: v for k, v in s.items() if k != "nullable"}
                return {**self.node(rest, path), "nullable": True}
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
        return merge(self.node(rest, path), resolved, path, self.notes) if rest else resolved

    def _inlined(self, target: Any, path: str) -> Node:
        """The partial node of a ``$ref`` target: made once, noted and counted once."""
        resolved = self.inlined.get(id(target))
        if resolved is None:
            self.active.append(id(target))
            try:
                resolved = self.inlined[id(target)] = self.node(target, path)
            finally:
                self.active.pop()
        return resolved

    def _target(self, ref: Any, path: str) -> Any:
        if not isinstance(ref, str):
            invalid(path, "$ref", "a string, a local reference such as '#/$defs/Name'")
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
            out = merge(out, self.node(member, f"{path}.allOf[{i}]"), path, self.notes)
        return out

    def _union(self, s: Mapping[str, Any], path: str) -> Node:
        if "anyOf" in s and "oneOf" in s:
            raise TranslationError(f"{path}: both 'anyOf' and 'oneOf' are set; merge them into one 'anyOf'")
        key = "anyOf" if "anyOf" in s else "oneOf"
        rest = {k: v for k, v in s.items() if k != key}
        base = self.node(rest, path) if rest else {}
        ann = {k: base[k] for k in ANNOTATIONS if k in base}
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
            parts = [merge(p, cons, path, self.notes) for p in parts]
            nullable = nullable and "type" not in cons
        tag = _discriminator(s) if "discriminator" in s else None
        if tag is not None:
            parts = [self._tag_required(p, tag, f"{path}.{key}[{i}]") for i, p in enumerate(parts)]
        nullable = nullable or base.get("nullable") is True
        if not parts:
            if not nullable:
                raise TranslationError(f"{path}: no member of '{key}' can be satisfied")
            return {**ann, "type": "null"}
        if len(parts) == 1:  # hoist the only non-null member; the node's own annotations win
            out = {**parts[0], **ann}
        else:
            out = {"anyOf": parts, **ann}
            if key == "oneOf" and _some_overlap(parts):  # disjoint members stay exclusive as anyOf
                self.note(f"approximated 'oneOf' at {path} as 'anyOf': a value may now match several members")
        if nullable:
            out["nullable"] = True
        return out

    def _tag_required(self, part: Node, tag: str, path: str) -> Node:
        """A discriminated member with its tag required: pydantic leaves a tag with a default out of
        ``required``, and a reply without the tag could not be told apart (or parsed) by the caller."""
        required = part.get("required") or []
        if tag not in (part.get("properties") or {}):
            self.note(f"'discriminator' property {tag!r} is not a property of {path}: Vertex may omit it")
            return part
        return part if tag in required else {**part, "required": [*required, tag]}

    def _split_types(self, s: Mapping[str, Any], path: str) -> dict[str, Any]:
        """``type: [a, b]`` (or an untyped enum/const) -> ``anyOf`` of single-type members."""
        values = _enum_values(s, path)
        if s.get("type") is None:
            types = list(dict.fromkeys(_json_type(v) for v in values or ()))
        else:
            types = list(dict.fromkeys(type_name(t, path) for t in s["type"]))
        if not types:
            raise TranslationError(f"{path}: the 'type' list or 'enum' is empty, so nothing is valid")
        if len(types) == 1:
            return {**s, "type": types[0]}
        rest = {k: v for k, v in s.items() if k not in TYPED_INPUT}
        if "null" in types:  # nullable, as Vertex spells "or null" (also the cheaper node to convert)
            rest["nullable"] = True
        members = []
        for t in types:
            if t == "null":
                continue  # (with an enum too: OpenAI's own examples mean "or null" by it)
            member = {k: v for k, v in s.items() if k in INPUT_BY_TYPE.get(t, ())}
            member["type"] = t
            if values is not None:
                member["enum"] = [v for v in values if has_type(v, t)]
                if not member["enum"]:
                    continue  # no enum value has this type: the member allows nothing
            members.append(member)
        if not members and "null" in types:
            return {**rest, "type": "null"}
        if not members:
            raise TranslationError(
                f"{path}: no 'enum' value has one of the listed types, so nothing is valid"
            )
        return {**rest, **members[0]} if len(members) == 1 else {**rest, "anyOf": members}

    def _simple(self, s: Mapping[str, Any], path: str) -> Node:
        out: Node = {}
        later = False
        for k, v in s.items():
            kind = KIND.get(k)
            if kind is None:
                continue  # an annotation Vertex does not know: dropped silently
            if kind in (STR, COUNT, NUM, VALUE):
                out[k] = scalar(k, v, kind, path)
            elif kind == TYPE:
                out[k] = type_name(v, path)
            elif kind == NAMES:
                out[k] = list(names(k, v, path))
            elif kind == PROPS:
                if not isinstance(v, Mapping):
                    invalid(path, k, "an object that maps property names to schemas")
                out[k] = {name: self.node(sub, f"{path}.properties.{name}") for name, sub in v.items()}
            elif kind == EXTRA:
                if v is True or v is False or v == {}:
                    out[k] = v is not False  # {} allows every value, like true
                else:  # a tool drops it in `finish`: not converted, so no notes from inside it
                    out[k] = self.node(v, f"{path}.additionalProperties") if self.response else {}
            elif kind == LATER:
                later = True
            elif kind == EXAMPLES:
                if "example" not in s and isinstance(v, list) and v:
                    out["example"] = copy.deepcopy(v[0])  # Vertex knows OpenAPI's singular form
            elif not trivial(k, v):
                self.note(dropped_keyword(k, path))
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
        for key, bound, lower in EXCLUSIVE:
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
        integer = out.get("type") == "integer"
        new = exclusive_bound(number(key, value, path, False), out.get(bound), lower, integer)
        if new is not None:  # (None: the inclusive bound is tighter already)
            out[bound] = new
            if not integer:
                self.note(approximated_exclusive(key, path, bound))


# ---- helpers -------------------------------------------------------------------------------------


def _json_type(v: Any) -> str:
    return next(
        t for t in ("null", "boolean", "integer", "number", "string", "array", "object") if has_type(v, t)
    )


def _is_int_text(v: str) -> bool:
    return v.isascii() and v.lstrip("-").isdigit()


def _enum_values(s: Mapping[str, Any], path: str) -> list[Any] | None:
    if "const" in s:
        return [s["const"]]  # const is at least as strict as any enum beside it
    values = s.get("enum")
    if values is None:
        return None
    if not isinstance(values, (list, tuple)):
        invalid(path, "enum", "a list")
    if not values:
        raise TranslationError(f"{path}: 'enum' is empty, so nothing is valid; list the allowed values")
    return list(values)


def _nonempty_list(v: Any, path: str) -> list[Any]:
    if not isinstance(v, (list, tuple)) or not v:
        raise TranslationError(f"{path}: must be a non-empty list of schemas")
    return list(v)


def _discriminator(s: Mapping[str, Any]) -> str | None:
    """The tag property of an OpenAPI ``discriminator`` (as pydantic emits it), if well formed."""
    spec = s.get("discriminator")
    name = spec.get("propertyName") if isinstance(spec, Mapping) else None
    return name if isinstance(name, str) else None


def _some_overlap(parts: list[Node]) -> bool:
    return any(_can_overlap(a, b) for i, a in enumerate(parts) for b in parts[i + 1 :])


def _can_overlap(a: Node, b: Node) -> bool:
    """False only when no value can match both partial nodes: different types, disjoint enums, or
    a property both require whose schemas cannot overlap (a discriminator's tags)."""
    if "anyOf" in a or "anyOf" in b or (a.get("nullable") is True and b.get("nullable") is True):
        return True
    ta, tb = a.get("type"), b.get("type")
    if ta is not None and tb is not None and ta != tb and {ta, tb} != {"integer", "number"}:
        return False
    if "enum" in a and "enum" in b and not any(same_value(x, y) for x in a["enum"] for y in b["enum"]):
        return False
    pa, pb = a.get("properties") or {}, b.get("properties") or {}
    both = set(a.get("required") or ()) & set(b.get("required") or ())
    return all(_can_overlap(pa[n], pb[n]) for n in both if n in pa and n in pb)
