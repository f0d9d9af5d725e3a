"""The converter's second pass: partial nodes (``schema_convert``) -> the Vertex schema.

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
            for one in done.get("anyOf", [done]):  # flat, so that a second run changes nothing
                if one not in members:  # identical members say nothing more than one
                    members.append(one)
        if len(members) == 1:
            return members[0]
        for k in ("default", "example"):
            # Vertex takes no keyword beside anyOf.  A null default of a nullable union (pydantic's
            # `Optional[A | B] = None`) says nothing more than `nullable`; any other value is a loss.
            if k in n and not (n[k] is None and n.get("nullable") is True):
                self.late.append(f"dropped '{k}' at {path}: Vertex takes no keyword beside 'anyOf'")
        return {"anyOf": members}

    def object_root(self, n: Node, path: str) -> Node:
        """Function parameters as one object: a union of objects (a root ``oneOf`` of ``required``
        branches) becomes one object requiring what every branch requires; anything else is refused."""
        if n["type" if "type" in n else "anyOf"] == "object":
            return n
        members = n.get("anyOf", [])
        if not members or any(m["type"] != "object" for m in members):
            what = n.get("type") or "a union of " + ", ".join(dict.fromkeys(m["type"] for m in members))
            raise TranslationError(
                f"{path}: Vertex takes function parameters as an object, not {what}; wrap the schema in "
                'one, e.g. {"type": "object", "properties": {"items": <schema>}, "required": ["items"]}'
            )
        props: dict[str, list[Node]] = {}
        for m in members:
            for name, sub in (m.get("properties") or {}).items():
                props.setdefault(name, [])
                props[name] += [x for x in sub.get("anyOf", [sub]) if x not in props[name]]
        out: Node = {"type": "object"}
        if "description" in members[0]:
            out["description"] = members[0]["description"]
        if props:
            out["properties"] = {k: v[0] if len(v) == 1 else {"anyOf": v} for k, v in props.items()}
        every = [
            k for k in members[0].get("required", ()) if all(k in m.get("required", ()) for m in members)
        ]
        if every:
            out["required"] = every
        some = [k for m in members for k in m.get("required", ()) if k not in every]
        self.late.append(
            f"approximated the union at {path} as one object, as Vertex takes function parameters: "
            f"{list(dict.fromkeys(some)) or 'no property'} no longer required by any branch"
        )
        return out

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
        kept = [v for v in values if has_type(v, t)]  # others can never be valid
        if not kept:
            raise TranslationError(
                f"{path}: no 'enum' value is a {t}, so nothing is valid; fix the type or values"
            )
        if t == "string":
            kept = string_enum(kept, path, self.late)
            if kept:
                out["enum"] = kept
                if format_enum:
                    out["format"] = "enum"
            return
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
