"""What Vertex accepts in a schema, keyword by keyword, and the checks and notes of the converter's passes.

Facts in shared/research/vertex_compat.md 1.2, 1.6, 1.8, 3.1-3.3:
- ``format``: strings keep ``date-time``/``enum`` ("only 'enum' and 'date-time' are supported for
  STRING type"), integers ``int32``/``int64``, numbers ``float``/``double``; the same for both uses.
- integer enums are ``{"type": "integer", "format": "enum", "enum": ["1", "2"]}``, as Vertex's
  ``Schema`` reference documents them.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any, cast

from openai_vertex.exceptions import TranslationError

Node = dict[str, Any]

TYPES = ("string", "number", "integer", "boolean", "array", "object", "null")
TYPE_SET = frozenset(TYPES)
ANNOTATIONS = ("title", "description", "default", "example")
# Input keywords that constrain one type only: a type array hands them to the matching member.
_NUMERIC = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "format"})
INPUT_BY_TYPE: dict[str, frozenset[str]] = {
    "string": frozenset({"minLength", "maxLength", "pattern", "format"}),
    "number": _NUMERIC,
    "integer": _NUMERIC,
    "array": frozenset({"items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems"}),
    "object": frozenset({"properties", "required", "additionalProperties", "patternProperties"})
    | {"propertyNames", "minProperties", "maxProperties", "dependentRequired", "propertyOrdering"},
}
TYPED_INPUT = frozenset().union(*INPUT_BY_TYPE.values()) | {"type", "enum", "const"}
# Constraints Vertex rejects: dropping one changes what is valid, so it gets a note.  Any other
# unknown keyword ($schema, $id, strict, readOnly, deprecated, discriminator, x-...) is an annotation.
_NOTED = frozenset({"multipleOf", "uniqueItems", "patternProperties", "propertyNames", "contains"}) | {
    *("minContains", "maxContains", "not", "if", "dependentRequired", "dependentSchemas"),
    *("dependencies", "unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef"),
}
_COUNTS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
LOWER = frozenset({"minimum", "minLength", "minItems", "minProperties"})
UPPER = frozenset({"maximum", "maxLength", "maxItems", "maxProperties"})
EXCLUSIVE = (("exclusiveMinimum", "minimum", True), ("exclusiveMaximum", "maximum", False))
# Keyword kinds: one dict lookup per keyword (the converter's hot loop).
TYPE, STR, COUNT, NUM, NAMES, VALUE, PROPS, EXTRA, LATER, EXAMPLES, NOTE = range(11)
KIND = {
    "type": TYPE,
    **dict.fromkeys(("title", "description", "pattern", "format"), STR),
    **dict.fromkeys(_COUNTS, COUNT),
    **dict.fromkeys(("minimum", "maximum"), NUM),
    **dict.fromkeys(("required", "propertyOrdering"), NAMES),
    **dict.fromkeys(("default", "example"), VALUE),
    "properties": PROPS,
    "additionalProperties": EXTRA,
    **dict.fromkeys(("enum", "const", "nullable", "items", "prefixItems"), LATER),
    **dict.fromkeys(("exclusiveMinimum", "exclusiveMaximum"), LATER),
    "examples": EXAMPLES,
    **dict.fromkeys(_NOTED, NOTE),  # (additionalItems belongs to tuples: `schema_convert._items`)
}
KNOWN = frozenset(KIND) | {"$ref", "allOf", "anyOf", "oneOf"}  # any other keyword is an annotation
# What a converted node keeps as it is, by its type.
KEEP: dict[str, frozenset[str]] = {
    "string": frozenset({*ANNOTATIONS, "minLength", "maxLength", "pattern"}),
    "integer": frozenset({*ANNOTATIONS, "minimum", "maximum"}),
    "number": frozenset({*ANNOTATIONS, "minimum", "maximum"}),
    "boolean": frozenset(ANNOTATIONS),
    "array": frozenset({*ANNOTATIONS, "minItems", "maxItems"}),
    "object": frozenset({*ANNOTATIONS, "minProperties", "maxProperties"}),
}
MAX_DEPTH = 100  # far below Python's recursion limit (and deeper than Vertex accepts anyway)
MAX_NODES = 50_000  # both passes; inlining $ref can blow a schema up exponentially
FORMATS = {"string": ("date-time",), "integer": ("int32", "int64"), "number": ("float", "double")}
is_str = str.__instancecheck__  # isinstance(x, str), for map() and filter()


# ---- values --------------------------------------------------------------------------------------


def scalar(k: str, v: Any, kind: int, path: str) -> Any:
    """A keyword kept as its value: checked, or copied (``default``, ``example``)."""
    if kind == STR:
        return v if isinstance(v, str) else invalid(path, k, "a string")
    if kind == VALUE:
        return copy.deepcopy(v) if isinstance(v, (dict, list)) else v  # never alias the input
    return number(k, v, path, kind == COUNT)


def names(k: str, v: Any, path: str) -> Any:
    ok = isinstance(v, (list, tuple)) and all(map(is_str, v))
    return v if ok else invalid(path, k, "a list of property names")


def invalid(path: str, k: str, what: str) -> Any:
    raise TranslationError(f"{path}: '{k}' must be {what}")


def number(k: str, v: Any, path: str, count: bool) -> Any:
    ok = (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and math.isfinite(v))
    if ok and not count:
        return v
    if ok and v >= 0 and (isinstance(v, int) or v.is_integer()):
        return int(v)
    return invalid(path, k, "a non-negative integer" if count else "a number")


def exclusive_bound(value: Any, current: Any, lower: bool, integer: bool) -> Any:
    """The inclusive bound for an exclusive one (exact for integers), or None if ``current`` is tighter."""
    if current is not None and (current > value if lower else current < value):
        return None
    if integer:
        return math.floor(value) + 1 if lower else math.ceil(value) - 1
    return value


def type_name(t: Any, path: str) -> str:
    if t in TYPES:
        return cast(str, t)
    name = t.lower() if isinstance(t, str) else None
    if name not in TYPES:
        raise TranslationError(f"{path}: unknown 'type' {t!r}; use one of {', '.join(TYPES)}")
    return name


def trivial(k: str, v: Any) -> bool:
    """A noted keyword whose value allows everything (``uniqueItems: false``, ``propertyNames: {}``)."""
    if k == "uniqueItems":
        return v is False
    return k not in ("not", "contains", "minContains") and (v is True or v == {})


def string_enum(values: Any, path: str, late: list[str]) -> list[str]:
    """The distinct non-empty strings of an enum (others can never be valid for a string)."""
    kept = list(dict.fromkeys(filter(is_str, values)))
    if "" in kept:
        kept.remove("")
        late.append(f"dropped the empty string from 'enum' at {path}: Vertex rejects empty enum values")
    return kept


def add_format(fmt: str, t: str, out: dict[str, Any], path: str, late: list[str]) -> None:
    """``format`` kept where Vertex accepts it for type ``t``, else noted ("enum" goes with an enum)."""
    if fmt in FORMATS.get(t, ()):
        out["format"] = fmt
    elif fmt != "enum":
        late.append(dropped_format(fmt, path, t))


def known_required(required: Any, props: Mapping[str, Any], path: str, late: list[str]) -> list[str]:
    """``required`` without repeats, and without the names ``properties`` lacks (noted)."""
    names = list(dict.fromkeys(required))
    if all(map(props.__contains__, names)):
        return names
    late.append(dropped_required([name for name in names if name not in props], path))
    return [name for name in names if name in props]


def property_ordering(order: Any, props: Mapping[str, Any]) -> list[str]:
    """The caller's ``propertyOrdering`` if it orders exactly the properties, else their key order."""
    valid = order and len(order) == len(props) and set(order) == set(props)
    return list(order) if valid else list(props)


_PYTHON_TYPES: dict[str, Any] = dict(
    string=str, boolean=bool, null=type(None), array=(list, tuple), object=Mapping
)


def has_type(v: Any, t: str) -> bool:
    if t == "integer" or t == "number":
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return False
        return t == "number" or isinstance(v, int) or v.is_integer()
    return isinstance(v, _PYTHON_TYPES[t])


# ---- notes ---------------------------------------------------------------------------------------


def dropped_keyword(k: str, path: str) -> str:
    return f"dropped '{k}' at {path}: Vertex does not accept it"


def dropped_format(fmt: str, path: str, t: str) -> str:
    return f"dropped 'format: {fmt}' at {path}: Vertex does not accept it for type {t}"


def approximated_exclusive(k: str, path: str, bound: str) -> str:
    return f"approximated '{k}' at {path} as inclusive '{bound}': Vertex does not accept it"


def dropped_required(unknown: list[str], path: str) -> str:
    return f"dropped {unknown} from 'required' at {path}: they are not in 'properties'"


def dropped_tool_map(path: str) -> str:
    # `additionalProperties: false` is dropped silently: OpenAI's strict mode puts it on every
    # object, and Gemini only fills in the declared properties anyway. A map schema is a loss.
    return f"dropped the 'additionalProperties' schema at {path}: Vertex tool parameters do not accept it"
