"""The reference converter's second pass: partial nodes (``schema_full``) -> the Vertex schema.

It shapes each node for Vertex: a type everywhere (guessed for untyped nodes), enums as strings (or
the documented integer form), only the keywords of that type, annotations moved into ``anyOf``
members, ``propertyOrdering`` for response schemas, ``additionalProperties`` by use.
"""

from __future__ import annotations

from typing import Any

from openai_vertex.exceptions import TranslationError

from .schema_rules import (
    FORMATS,
    KEEP,
    MAX_NODES,
    Node,
    add_format,
    dropped_tool_map,
    has_type,
    known_required,
    property_ordering,
    string_enum,
)

__all__ = ["Shaper"]

# Keywords that give away the type of an untyped node (a node with properties is an object).
_GUESS = (
    ("object", ("properties", "required", "additionalProperties", "minProperties", "maxProperties")),
    ("array", ("items", "minItems", "maxItems")),
    ("string", ("minLength", "maxLength", "pattern")),
    ("number", ("minimum", "maximum")),
)


class Shaper:
    def __init__(self, response: bool, count: int) -> None:
        self.response = response
        self.late: list[str] = []
        self.count = count  # the first pass's nodes: the size limit covers both passes

    def finish(self, n: Node, path: str, root: bool = False) -> Node:
        self.count += 1  # shared $ref targets are expanded here, so the size limit applies again
        if self.count > MAX_NODES:
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
        if fmt is not None:
            add_format(fmt, t, out, path, self.late)
        if "enum" in n:
            self._finish_enum(n["enum"], fmt == "enum", out, path)  # may turn a number into an integer
        keep = KEEP[out["type"]]
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
            return next((t for t in ("integer", "number") if fmt in FORMATS[t]), "string")
        if not root:  # the root of parameters or of a response schema is an object by definition
            self.late.append(
                f"approximated the untyped schema at {path} as an object: Vertex requires a 'type'"
            )
        return "object"

    def _finish_enum(self, values: list[Any], format_enum: bool, out: Node, path: str) -> None:
        t = out["type"]
        if t == "string":  # others can never be valid (below as well, where they may be unhashable)
            kept = string_enum(values, path, self.late)
            if kept:
                out["enum"] = kept
                if format_enum:
                    out["format"] = "enum"
            return
        kept = [v for v in values if has_type(v, t)]
        if t in ("integer", "number") and kept and all(has_type(v, "integer") for v in kept):
            # Vertex documents integer enums as {type: INTEGER, format: enum, enum: ["101", "201"]}.
            out.update(type="integer", format="enum", enum=list(dict.fromkeys(str(int(v)) for v in kept)))
        elif not (t == "boolean" and len(set(kept)) == 2):  # [true, false] allows every boolean
            self.late.append(
                f"dropped 'enum'/'const' at {path}: Vertex takes enum values for strings and integers only"
            )

    def _finish_object(self, n: Node, out: Node, path: str) -> None:
        props: dict[str, Node] = n.get("properties") or {}
        if props:
            out["properties"] = {k: self.finish(v, f"{path}.properties.{k}") for k, v in props.items()}
        required = known_required(n.get("required") or (), props, path, self.late)
        if required:
            out["required"] = required
        if self.response and props:
            out["propertyOrdering"] = property_ordering(n.get("propertyOrdering"), props)
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
            self.late.append(dropped_tool_map(path))
