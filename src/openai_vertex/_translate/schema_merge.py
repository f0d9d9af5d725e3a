"""``allOf`` of two partial nodes (``schema_convert``'s first pass): one node valid where both are.

Partial nodes already speak Gemini's keywords (``anyOf``, ``nullable``, ``enum``), but are not yet
typed by guess, so an untyped ``{"description": ..}`` merges into a string without becoming an object.
"""

from __future__ import annotations

from typing import Any

from openai_vertex.exceptions import TranslationError

from .schema_rules import ANNOTATIONS, LOWER, UPPER, Node

__all__ = ["allows_null", "merge", "same_value"]


def merge(a: Node, b: Node, path: str, notes: list[str]) -> Node:
    """``allOf`` of ``a`` and ``b``; ``a``'s annotations win.  Loss of meaning goes to ``notes``."""
    if "anyOf" in a or "anyOf" in b:
        return _merge_union(a, b, path, notes)
    out = dict(a)
    for k, v in b.items():
        if k not in out:
            out[k] = v
            continue
        cur = out[k]
        if k == "type" and cur != v:
            out[k] = _merge_type(cur, v, a, b, path)
        elif k == "properties":
            out[k] = {**cur, **{n: merge(cur[n], x, path, notes) if n in cur else x for n, x in v.items()}}
        elif k == "required":
            out[k] = list(dict.fromkeys([*cur, *v]))
        elif k in LOWER or k in UPPER:
            out[k] = max(cur, v) if k in LOWER else min(cur, v)
        elif k == "enum":
            out[k] = [x for x in cur if any(same_value(x, y) for y in v)]
            if not out[k]:
                raise TranslationError(f"{path}: the 'allOf' members share no 'enum' value")
        elif k == "items":
            out[k] = merge(cur, v, f"{path}.items", notes)
        elif k == "additionalProperties":  # false wins, true gives way, two schemas merge
            if cur is not False and v is not True:
                out[k] = v if v is False or cur is True else merge(cur, v, path, notes)
        elif k == "pattern" and cur != v:
            notes.append(f"dropped the second 'pattern' at {path}: Vertex takes one pattern per value")
    if "nullable" in a or "nullable" in b:
        if allows_null(a) and allows_null(b):
            out["nullable"] = True
        else:
            out.pop("nullable", None)
    return out


def _merge_union(a: Node, b: Node, path: str, notes: list[str]) -> Node:
    if "anyOf" in a and "anyOf" in b:
        raise TranslationError(f"{path}: 'allOf' combines two unions; rewrite them as one 'anyOf'")
    union, other = (a, b) if "anyOf" in a else (b, a)
    cons = {k: v for k, v in other.items() if k not in ANNOTATIONS}
    members = union["anyOf"]
    out: Node = {"anyOf": [merge(m, cons, path, notes) for m in members] if cons else members}
    out.update({k: src[k] for src in (b, a) for k in ANNOTATIONS if k in src})
    if union.get("nullable") is True and allows_null(other):
        out["nullable"] = True
    return out


def same_value(x: Any, y: Any) -> bool:
    """JSON equality: 1 == 1.0, but true != 1."""
    return bool(x == y) and isinstance(x, bool) == isinstance(y, bool)


def allows_null(n: Node) -> bool:
    if n.get("nullable") is True:
        return True
    if "anyOf" in n:
        return any(allows_null(m) for m in n["anyOf"])
    return n.get("type") in (None, "null")


def _merge_type(a: str, b: str, na: Node, nb: Node, path: str) -> str:
    if {a, b} == {"integer", "number"}:
        return "integer"
    if (a == "null" and allows_null(nb)) or (b == "null" and allows_null(na)):
        return "null"
    raise TranslationError(f"{path}: 'allOf' combines the incompatible types {a!r} and {b!r}")
