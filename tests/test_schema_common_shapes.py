"""The shapes most code sends (pydantic models, strict-mode tools, the benchmark's request), generated.

Each generated schema, and each common real one, must convert to what Vertex accepts or raise a
TranslationError that names its path; the input is never mutated and converting the output again
changes nothing.  (``test_schema.py`` holds the table of real-world cases and the per-rule tests.)
"""

from __future__ import annotations

import copy
import runpy
import string
from pathlib import Path
from typing import Any, Literal, Optional

import pydantic
from google.genai import types as genai_types
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_vertex._translate.schema import convert_schema
from openai_vertex.exceptions import TranslationError

from .schema_cases import OPENAI_GET_WEATHER, OPENAI_MATH
from .test_schema import assert_vertex_shape, walk

# The benchmark's request, as the benchmark builds it.
BENCH = runpy.run_path(str(Path(__file__).parents[1] / "bench" / "bench_translate.py"))


def assert_converts_or_refuses(schema: Any, response: bool) -> bool:
    """True if ``schema`` converted to a valid Vertex schema, False if refused with its path named."""
    before = copy.deepcopy(schema)
    try:
        result = convert_schema(schema, response=response, where="s")
    except TranslationError as exc:
        assert str(exc).startswith("s"), exc
        assert schema == before, "the input was mutated"
        return False
    assert schema == before, "the input was mutated"
    genai_types.Schema.model_validate(result.schema)
    assert_vertex_shape(result.schema, response)
    assert all("$ref" not in node and "$defs" not in node for node in walk(result.schema))
    again = convert_schema(copy.deepcopy(result.schema), response=response, where="s")
    assert again.schema == result.schema, "not idempotent"
    return True


class _Address(pydantic.BaseModel):
    street: str
    zip: Optional[str] = pydantic.Field(None, description="postal code")  # noqa: UP045


class _Person(pydantic.BaseModel):
    """Someone."""

    name: str = pydantic.Field(min_length=1, max_length=40)
    age: int = pydantic.Field(ge=0, lt=150)
    score: float = pydantic.Field(gt=0)
    role: Literal["admin", "user"] = "user"
    home: _Address
    work: Optional[_Address] = None  # noqa: UP045
    tags: set[str] = set()
    nick: str | None = None


def test_common_real_schemas_convert() -> None:
    common = {
        "bench response schema": (BENCH["nested_schema"](), True),
        "bench tool": (BENCH["tool"](3)["function"]["parameters"], False),
        "OpenAI math example": (OPENAI_MATH, True),
        "OpenAI strict get_weather": (OPENAI_GET_WEATHER, False),
        "pydantic model": (_Person.model_json_schema(), True),
        "pydantic model as tool": (_Person.model_json_schema(), False),
    }
    for label, (schema, response) in common.items():
        assert assert_converts_or_refuses(schema, response), label


# ---- generated: the shapes most code sends, and some that must be refused -------------------------

NAMES = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=5)
TEXT = st.text(max_size=6)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(-3, 3, allow_nan=False), TEXT)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=2), st.dictionaries(NAMES, SCALARS, max_size=2))
SCALAR_TYPES = st.sampled_from(["string", "integer", "number", "boolean"])
BOUNDS = st.one_of(st.integers(-3, 9), st.floats(-3, 9, allow_nan=False), st.booleans(), st.none())
KEYWORDS: dict[str, st.SearchStrategy[Any]] = {
    "title": st.one_of(TEXT, st.just(3)),  # (3: invalid, the reference refuses it)
    "description": TEXT,
    "format": st.sampled_from(["date-time", "date", "int32", "int64", "float", "double", "enum", "uuid"]),
    "nullable": st.booleans(),
    "default": VALUES,
    "example": VALUES,
    "examples": st.lists(VALUES, max_size=2),
    "minimum": BOUNDS,
    "maximum": BOUNDS,
    "exclusiveMinimum": BOUNDS,
    "exclusiveMaximum": BOUNDS,
    "minLength": st.one_of(st.integers(-1, 3), st.just(2.0)),
    "maxItems": st.integers(0, 4),
    "pattern": st.just("^[a-z]+$"),
    "multipleOf": st.integers(1, 3),
    "uniqueItems": st.booleans(),
    "not": st.just({"type": "string"}),
    "x-extra": TEXT,
    "strict": st.booleans(),
}
LEAVES = st.one_of(
    st.fixed_dictionaries({"type": SCALAR_TYPES}, optional=KEYWORDS),
    st.fixed_dictionaries(
        {"type": st.just("string")},
        optional={
            "enum": st.lists(st.one_of(TEXT, st.integers(0, 2)), min_size=1, max_size=4),
            "const": st.one_of(TEXT, st.integers(0, 2)),
            "format": st.sampled_from(["enum", "date-time", "email"]),
            "description": TEXT,
        },
    ),
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(
                [["string", "null"], ["null", "integer"], ["object", "null"], ["null", "null"]]
            )
        },
        optional={
            "description": TEXT,
            "minimum": BOUNDS,
            "maxLength": st.integers(0, 3),
            "enum": st.just(["a"]),
        },
    ),
    st.fixed_dictionaries(
        {"$ref": st.sampled_from(["#/$defs/A", "#/$defs/B", "#/definitions/C", "#/$defs/Missing", "#"])},
        optional={"description": TEXT, "default": SCALARS, "type": st.just("object")},
    ),
    st.sampled_from([{}, {"type": "null"}, {"type": "STRING"}, {"type": "string", "allOf": [{}]}]),
)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    def optional(child: Any, null_first: bool, key: str, extra: dict[str, Any]) -> dict[str, Any]:
        members = [{"type": "null"}, child] if null_first else [child, {"type": "null"}]
        return {key: members, **extra}

    return st.one_of(
        st.fixed_dictionaries(
            {"type": st.just("object"), "properties": st.dictionaries(NAMES, children, max_size=4)},
            optional={
                "required": st.lists(NAMES, max_size=3),
                "additionalProperties": st.one_of(st.booleans(), st.just({}), children),
                "propertyOrdering": st.lists(NAMES, max_size=3),
                "format": st.just("email"),
                "title": TEXT,
                "nullable": st.booleans(),
                "patternProperties": st.just({"^x": {"type": "string"}}),
            },
        ),
        st.fixed_dictionaries(
            {"type": st.just("array"), "items": children},
            optional={
                "minItems": st.integers(0, 2),
                "uniqueItems": st.booleans(),
                "exclusiveMinimum": BOUNDS,
            },
        ),
        st.builds(
            optional,
            children,
            st.booleans(),
            st.sampled_from(["anyOf", "oneOf"]),
            st.fixed_dictionaries({}, optional={"description": TEXT, "default": SCALARS, "title": TEXT}),
        ),
        st.fixed_dictionaries({"type": st.just(["array", "null"]), "items": children}),
    )


SCHEMAS = st.recursive(LEAVES, _containers, max_leaves=10)
ROOTS = st.fixed_dictionaries(
    {"type": st.just("object"), "properties": st.dictionaries(NAMES, SCHEMAS, max_size=4)},
    optional={
        "$defs": st.fixed_dictionaries({"A": SCHEMAS, "B": SCHEMAS}),
        "definitions": st.fixed_dictionaries({"C": SCHEMAS}),
        "required": st.lists(NAMES, max_size=2),
    },
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=ROOTS, response=st.booleans())
def test_generated_common_shapes_convert_or_are_refused(schema: dict[str, Any], response: bool) -> None:
    assert_converts_or_refuses(schema, response)


def test_a_shared_ref_target_is_noted_once_where_first_read_and_finished_at_every_use() -> None:
    target = {"type": "string", "format": "email", "uniqueItems": True}
    schema = {
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/T"}, "b": {"anyOf": [{"$ref": "#/$defs/T"}, {"type": "null"}]}},
        "$defs": {"T": target},
    }
    assert assert_converts_or_refuses(schema, False)
    assert convert_schema(schema, response=False, where="s").notes == (
        "dropped 'uniqueItems' at s.properties.a: Vertex does not accept it",
        "dropped 'format: email' at s.properties.a: Vertex does not accept it for type string",
        "dropped 'format: email' at s.properties.b: Vertex does not accept it for type string",
    )


def test_deep_and_wide_schemas_within_the_limits_convert() -> None:
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(60):
        deep = {"type": "object", "properties": {"x": deep}}
    assert assert_converts_or_refuses(deep, False)
    wide = {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(6000)}}
    assert assert_converts_or_refuses(wide, True)
