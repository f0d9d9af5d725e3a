"""JSON Schema -> Vertex (Gemini OpenAPI-subset) schema conversion: ``openai_vertex._translate.schema``.

The oracle for "Vertex accepts it" is ``google.genai.types.Schema`` (pydantic, ``extra="forbid"``) plus
``assert_vertex_shape``, which encodes the stricter rules Vertex applies on top (no keywords beside
``anyOf``, a type everywhere, string enums, items for arrays, ...).  The oracle for "nothing valid was
lost" is ``jsonschema``: hand-written instances valid under the input must be valid under the output
read back as JSON Schema.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import string
import types
from collections.abc import Iterator
from typing import Any, Literal, Optional, Union

import jsonschema
import pydantic
import pytest
from google.genai import types as genai_types
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_vertex._translate import schema as schema_module
from openai_vertex._translate.schema import ConvertedSchema, convert_schema
from openai_vertex.exceptions import TranslationError

from .schema_cases import CASES, OPENAI_MATH, OPENAI_UI, Case

COMMON = {"type", "title", "description", "nullable", "default", "example"}
BY_TYPE = {
    "string": {"format", "enum", "minLength", "maxLength", "pattern"},
    "integer": {"format", "enum", "minimum", "maximum"},
    "number": {"format", "minimum", "maximum"},
    "boolean": set(),
    "array": {"items", "minItems", "maxItems"},
    "object": {"properties", "required", "propertyOrdering", "minProperties", "maxProperties"},
}
FORMATS = {
    "string": {"date-time", "enum"},
    "integer": {"int32", "int64", "enum"},
    "number": {"float", "double"},
}


# ---- helpers ---------------------------------------------------------------------------------------


def assert_vertex_shape(node: dict[str, Any], response: bool, path: str = "schema") -> None:
    """The rules Vertex's OpenAPI subset imposes, beyond what ``types.Schema`` checks."""
    if "anyOf" in node:
        assert set(node) == {"anyOf"}, f"{path}: keywords beside anyOf: {set(node)}"
        assert len(node["anyOf"]) >= 2, path
        for i, member in enumerate(node["anyOf"]):
            assert "anyOf" not in member, f"{path}: nested anyOf"
            assert_vertex_shape(member, response, f"{path}.anyOf[{i}]")
        return
    t = node.get("type")
    assert t in BY_TYPE, f"{path}: type {t!r}"
    allowed = COMMON | BY_TYPE[t] | ({"additionalProperties"} if response and t == "object" else set())
    assert set(node) <= allowed, f"{path}: unexpected {set(node) - allowed}"
    assert node.get("nullable", True) is True, path
    if "format" in node:
        assert node["format"] in FORMATS[t], f"{path}: format {node['format']!r}"
    if "enum" in node:
        enum = node["enum"]
        assert enum and all(isinstance(v, str) and v for v in enum), f"{path}: enum {enum!r}"
        if t == "integer":
            assert node["format"] == "enum" and all(re.fullmatch(r"-?\d+", v) for v in enum), path
    if t == "array":
        assert_vertex_shape(node["items"], response, f"{path}.items")
    if t == "object":
        props = node.get("properties")
        assert props is None or props, f"{path}: empty properties"
        for name, sub in (props or {}).items():
            assert_vertex_shape(sub, response, f"{path}.properties.{name}")
        assert set(node.get("required", ())) <= set(props or ()), path
        assert "required" not in node or node["required"], path
        if response and props:
            assert sorted(node["propertyOrdering"]) == sorted(props), path
        else:
            assert "propertyOrdering" not in node, path
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            assert_vertex_shape(extra, response, f"{path}.additionalProperties")
        else:
            assert extra in (None, True, False), path


def to_json_schema(node: dict[str, Any]) -> dict[str, Any]:
    """Read a Vertex schema back as JSON Schema (``nullable`` adds null, integer enums are numbers)."""
    if "anyOf" in node:
        return {"anyOf": [to_json_schema(m) for m in node["anyOf"]]}
    t, nullable = node["type"], node.get("nullable") is True
    out: dict[str, Any] = {"type": [t, "null"] if nullable else t}
    for k in ("minimum", "maximum", "minLength", "maxLength", "pattern", "minItems", "maxItems", "required"):
        if k in node:
            out[k] = node[k]
    if "enum" in node:
        values: list[Any] = [int(v) for v in node["enum"]] if t == "integer" else list(node["enum"])
        out["enum"] = [*values, None] if nullable else values
    if "items" in node:
        out["items"] = to_json_schema(node["items"])
    if "properties" in node:
        out["properties"] = {k: to_json_schema(v) for k, v in node["properties"].items()}
    extra = node.get("additionalProperties")
    if extra is not None:
        out["additionalProperties"] = to_json_schema(extra) if isinstance(extra, dict) else extra
    return out


def dig(node: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        node = node[part]
    return node


def assert_notes(notes: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert len(notes) == len(expected), notes
    for fragment in expected:
        assert sum(fragment in note for note in notes) == 1, (fragment, notes)


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


# ---- the table --------------------------------------------------------------------------------------


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_case(case: Case) -> None:
    original = copy.deepcopy(case.schema)
    if case.error is not None:
        with pytest.raises(TranslationError, match=re.escape(case.error)):
            convert_schema(case.schema, response=case.response)
        assert case.schema == original
        return
    result = convert_schema(case.schema, response=case.response)
    assert case.schema == original, "the input was mutated"
    if case.expected is not None:
        assert result.schema == case.expected
    for dotted, value in case.checks.items():
        assert dig(result.schema, dotted) == value, dotted
    assert_notes(result.notes, case.notes)
    genai_types.Schema.model_validate(result.schema)
    assert_vertex_shape(result.schema, case.response)
    readback = to_json_schema(result.schema)
    assert case.valid, "every case needs instances"
    for instance in case.valid:
        jsonschema.validate(instance, case.schema)  # a valid instance of the input...
        jsonschema.validate(instance, readback)  # ...is still valid under the output
    again = convert_schema(copy.deepcopy(result.schema), response=case.response)
    assert again.schema == result.schema, "not idempotent"


# ---- errors ----------------------------------------------------------------------------------------


def test_recursive_schema_error_names_the_path_and_the_fix() -> None:
    with pytest.raises(TranslationError) as info:
        convert_schema(OPENAI_UI, response=True, where="response_format")
    message = str(info.value)
    assert message.startswith("response_format.properties.children.items: '$ref' '#' is recursive")
    assert "limit the nesting" in message
    assert isinstance(info.value, ValueError)


def test_self_reference_at_the_root_of_defs() -> None:
    schema = {"$ref": "#/$defs/A", "$defs": {"A": {"$ref": "#/$defs/A"}}}
    with pytest.raises(TranslationError, match="is recursive"):
        convert_schema(schema, response=False)


def test_a_def_used_twice_is_not_a_cycle() -> None:
    leaf = {"type": "object", "properties": {"v": {"type": "integer", "multipleOf": 2}}}
    schema = {
        "type": "object",
        "$defs": {"L": leaf},
        "properties": {"a": {"$ref": "#/$defs/L"}, "b": {"$ref": "#/$defs/L"}},
    }
    result = convert_schema(schema, response=False)
    assert (
        result.schema["properties"]["a"]
        == result.schema["properties"]["b"]
        == {
            "type": "object",
            "properties": {"v": {"type": "integer"}},
        }
    )
    assert len(result.notes) == 1  # the shared definition is converted (and noted) once


@pytest.mark.parametrize("bad", [None, [], "object", 3])
def test_a_non_object_schema_is_an_error(bad: Any) -> None:
    with pytest.raises(
        TranslationError, match=re.escape("tools[0].function.parameters: expected a JSON Schema object")
    ):
        convert_schema(bad, response=False, where="tools[0].function.parameters")


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (
            {"type": "object", "properties": {"x": {"type": "string", "default": object()}}},
            "plain, not too deep JSON",
        ),
        (
            {"type": "object", "properties": {"x": False}},
            "schema.properties.x: expected a JSON Schema object",
        ),
        ({"type": "object", "properties": {"x": {"type": "strin"}}}, "unknown 'type' 'strin'"),
        ({"type": "object", "properties": {"x": {"type": "string", "maxLength": -1}}}, "'maxLength' must be"),
        ({"type": "object", "properties": {"x": {"type": "string", "enum": "ab"}}}, "'enum' must be a list"),
        ({"type": "object", "properties": {"x": {"anyOf": []}}}, "anyOf: must be a non-empty list"),
        ({"type": "object", "properties": {"x": {"enum": []}}}, "nothing is valid"),
        ({"type": "object", "properties": {"x": {"type": "array", "items": False}}}, "use maxItems: 0"),
        ({"type": "object", "properties": "x"}, "must be an object that maps property names"),
        ({"anyOf": [{"type": "string"}], "oneOf": [{"type": "string"}]}, "merge them into one 'anyOf'"),
    ],
)
def test_malformed_schemas_raise_translation_error(schema: dict[str, Any], message: str) -> None:
    with pytest.raises(TranslationError, match=re.escape(message)):
        convert_schema(schema, response=False)


def test_unhashable_enum_values_and_huge_integers_do_not_crash() -> None:
    schema = {
        "type": "object",
        "properties": {
            "pair": {"type": "array", "items": {"type": "integer"}, "enum": [[1, 2], [3, 4]]},
            "obj": {"const": {"a": 1}},
            "big": {"type": "integer", "maximum": 10**400},
        },
    }
    result = convert_schema(schema, response=False)
    assert result.schema["properties"]["pair"] == {"type": "array", "items": {"type": "integer"}}
    assert result.schema["properties"]["obj"] == {"type": "object"}
    assert result.schema["properties"]["big"] == {"type": "integer", "maximum": 10**400}
    assert len(result.notes) == 2


@pytest.mark.parametrize("depth", [150, 5000])
def test_deep_nesting_is_a_translation_error_not_a_recursion_error(depth: int) -> None:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(depth):
        schema = {"type": "object", "properties": {"x": schema}}
    with pytest.raises(TranslationError, match="too deep"):
        convert_schema(schema, response=True)


def test_exponential_ref_expansion_is_bounded() -> None:
    defs = {
        f"D{i}": {
            "type": "object",
            "properties": {"l": {"$ref": f"#/$defs/D{i + 1}"}, "r": {"$ref": f"#/$defs/D{i + 1}"}},
        }
        for i in range(30)
    }
    defs["D30"] = {"type": "string"}
    with pytest.raises(TranslationError, match="too large"):
        convert_schema({"$defs": defs, "$ref": "#/$defs/D0"}, response=False)


# ---- notes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("multipleOf", 3),
        ("exclusiveMinimum", 0.5),
        ("exclusiveMaximum", 9.5),
        ("format", "email"),
        ("not", {"const": 4}),
        ("if", {"minimum": 3}),
        ("const", 1.5),
    ],
)
def test_a_dropped_constraint_yields_exactly_one_note_naming_it(keyword: str, value: Any) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "number", keyword: value}}}
    notes = convert_schema(schema, response=False, where="tools[2].function.parameters").notes
    assert len(notes) == 1, notes
    assert keyword in notes[0] or (keyword == "const" and "'enum'/'const'" in notes[0])
    assert "tools[2].function.parameters.properties.n" in notes[0]


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("uniqueItems", True),
        ("contains", {"type": "string"}),
        ("prefixItems", [{"type": "string"}]),
        ("unevaluatedItems", False),
        ("minContains", 2),
    ],
)
def test_a_dropped_array_constraint_yields_one_note(keyword: str, value: Any) -> None:
    schema = {
        "type": "object",
        "properties": {"xs": {"type": "array", "items": {"type": "string"}, keyword: value}},
    }
    notes = convert_schema(schema, response=False).notes
    assert len(notes) == 1 and keyword in notes[0], notes


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("patternProperties", {"^x": {"type": "string"}}),
        ("propertyNames", {"pattern": "^[a-z]+$"}),
        ("dependentRequired", {"a": ["b"]}),
        ("unevaluatedProperties", False),
    ],
)
def test_a_dropped_object_constraint_yields_one_note(keyword: str, value: Any) -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
        keyword: value,
    }
    notes = convert_schema(schema, response=True).notes
    assert len(notes) == 1 and keyword in notes[0], notes


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("$schema", "https://json-schema.org/draft/2020-12/schema"),
        ("$id", "urn:example:tool"),
        ("$comment", "for maintainers"),
        ("strict", True),
        ("examples", [{"a": "x"}]),
        ("readOnly", True),
        ("writeOnly", False),
        ("deprecated", True),
        ("discriminator", {"propertyName": "a"}),
        ("x-vendor", {"anything": 1}),
        ("additionalProperties", True),
        ("uniqueItems", False),
        ("propertyNames", {}),
    ],
)
def test_annotation_only_keywords_yield_no_note(keyword: str, value: Any) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "description": "A"}}, keyword: value}
    for response in (False, True):
        assert convert_schema(schema, response=response).notes == ()


def test_notes_are_not_repeated() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "format": "uri"}}}
    assert len(convert_schema(schema, response=False).notes) == 1


# ---- memoization, purity -----------------------------------------------------------------------------


def test_an_equal_but_distinct_schema_returns_the_same_cached_object() -> None:
    first = convert_schema(OPENAI_MATH, response=True, where="response_format")
    second = convert_schema(copy.deepcopy(OPENAI_MATH), response=True, where="response_format")
    assert second is first
    assert isinstance(first, ConvertedSchema)
    assert convert_schema(OPENAI_MATH, response=False, where="response_format") is not first
    assert convert_schema(OPENAI_MATH, response=True, where="other") is not first


def test_key_order_is_part_of_the_cache_key() -> None:
    ab = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}
    ba = {"type": "object", "properties": {"b": {"type": "string"}, "a": {"type": "string"}}}
    assert convert_schema(ab, response=True).schema["propertyOrdering"] == ["a", "b"]
    assert convert_schema(ba, response=True).schema["propertyOrdering"] == ["b", "a"]


def test_one_one_point_zero_and_true_are_different_cache_keys() -> None:
    def schema(value: Any) -> dict[str, Any]:
        return {"type": "object", "properties": {"v": {"const": value}}}

    assert convert_schema(schema(1), response=False).schema["properties"]["v"]["type"] == "integer"
    assert convert_schema(schema(True), response=False).schema["properties"]["v"]["type"] == "boolean"


def test_the_cache_is_bounded() -> None:
    for i in range(schema_module._CACHE_SIZE + 50):
        convert_schema({"type": "object", "properties": {f"p{i}": {"type": "string"}}}, response=False)
    assert len(schema_module._cache) <= schema_module._CACHE_SIZE


def test_the_output_does_not_alias_the_input() -> None:
    schema = {
        "type": "object",
        "properties": {"x": {"type": "object", "default": {"a": [1]}, "examples": [{"b": 2}]}},
    }
    result = convert_schema(schema, response=False)
    schema["properties"]["x"]["default"]["a"].append(2)  # type: ignore[index]
    schema["properties"]["x"]["examples"][0]["b"] = 3  # type: ignore[index]
    assert result.schema["properties"]["x"] == {"type": "object", "default": {"a": [1]}, "example": {"b": 2}}


def test_mappings_that_are_not_dicts_are_accepted() -> None:
    schema = types.MappingProxyType(
        {"type": "object", "properties": {"a": types.MappingProxyType({"type": "string"})}}
    )
    assert convert_schema(schema, response=False).schema == {
        "type": "object",
        "properties": {"a": {"type": "string"}},
    }


def test_public_api() -> None:
    assert schema_module.__all__ == ["ConvertedSchema", "convert_schema"]
    result = convert_schema({"type": "object"}, response=False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.notes = ()  # type: ignore[misc]
    assert result == ConvertedSchema({"type": "object"}, ())


# ---- live pydantic models (whatever version is installed) ------------------------------------------


class _Tag(pydantic.BaseModel):
    name: str = pydantic.Field(min_length=1)
    weight: float | None = None


class _Post(pydantic.BaseModel):
    """A blog post."""

    title: str = pydantic.Field(description="Headline", max_length=80)
    tags: list[_Tag] = []
    status: Literal["draft", "published"] = "draft"
    views: int = pydantic.Field(0, ge=0)
    lead: Optional[_Tag] = None  # noqa: UP045 - the typing spelling is what users write
    meta: dict[str, Union[int, str]] = {}  # noqa: UP007


@pytest.mark.parametrize("response", [False, True])
def test_live_pydantic_model(response: bool) -> None:
    source = _Post.model_json_schema()
    result = convert_schema(source, response=response)
    genai_types.Schema.model_validate(result.schema)
    assert_vertex_shape(result.schema, response)
    instance = _Post(title="t", tags=[_Tag(name="n")], lead=_Tag(name="l", weight=None)).model_dump(
        mode="json"
    )
    jsonschema.validate(instance, to_json_schema(result.schema))


# ---- property tests --------------------------------------------------------------------------------

NAMES = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=6)
TEXT = st.text(max_size=8)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(-3, 3, allow_nan=False), TEXT)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=2), st.dictionaries(NAMES, SCALARS, max_size=2))
TYPE_NAMES = st.sampled_from(["string", "integer", "number", "boolean", "array", "object", "null"])
EXTRAS: dict[str, st.SearchStrategy[Any]] = {
    "title": TEXT,
    "description": TEXT,
    "format": st.sampled_from(["date-time", "date", "email", "uri", "int32", "int64", "float", "enum"]),
    "minimum": st.integers(-3, 3),
    "maximum": st.integers(3, 9),
    "exclusiveMinimum": st.one_of(st.integers(-3, 3), st.booleans()),
    "minLength": st.integers(0, 3),
    "maxItems": st.integers(0, 5),
    "pattern": st.just("^[a-z]*$"),
    "nullable": st.booleans(),
    "default": VALUES,
    "examples": st.lists(VALUES, max_size=2),
    "multipleOf": st.integers(1, 4),
    "uniqueItems": st.booleans(),
    "$comment": TEXT,
    "deprecated": st.booleans(),
    "strict": st.booleans(),
    "enum": st.lists(VALUES, min_size=1, max_size=4),
}
LEAVES = st.one_of(
    st.fixed_dictionaries({"type": TYPE_NAMES}, optional=EXTRAS),
    st.fixed_dictionaries(
        {"type": st.lists(TYPE_NAMES, min_size=1, max_size=3, unique=True)}, optional=EXTRAS
    ),
    st.fixed_dictionaries({"const": VALUES}, optional={"title": TEXT, "type": TYPE_NAMES}),
    st.fixed_dictionaries({"enum": st.lists(VALUES, min_size=1, max_size=4)}),
    st.sampled_from([{}, {"type": "null"}, {"$ref": "#/$defs/A"}, {"$ref": "#/$defs/B"}, {"$ref": "#"}]),
    st.just(True),
)


def _composites(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    members = st.lists(children, min_size=1, max_size=3)
    return st.one_of(
        st.fixed_dictionaries(
            {"type": st.just("object"), "properties": st.dictionaries(NAMES, children, max_size=4)},
            optional={
                "required": st.lists(NAMES, max_size=3),
                "additionalProperties": st.one_of(st.booleans(), children),
                "propertyOrdering": st.lists(NAMES, max_size=3),
                "patternProperties": st.dictionaries(st.just("^x"), children, max_size=1),
            },
        ),
        st.fixed_dictionaries(
            {"type": st.just("array"), "items": children},
            optional={"minItems": st.integers(0, 2), "prefixItems": members},
        ),
        st.fixed_dictionaries({"anyOf": members}, optional={"description": TEXT, "default": SCALARS}),
        st.fixed_dictionaries({"oneOf": members}, optional={"title": TEXT}),
        st.fixed_dictionaries({"allOf": members}, optional={"description": TEXT}),
        children.map(lambda child: {"anyOf": [child, {"type": "null"}]}),
        children.map(
            lambda child: {"$ref": "#/$defs/A", "description": "sibling", "properties": {"y": child}}
        ),
    )


SCHEMAS = st.recursive(LEAVES, _composites, max_leaves=12)
ROOTS = st.fixed_dictionaries(
    {"type": st.just("object"), "properties": st.dictionaries(NAMES, SCHEMAS, max_size=4)},
    optional={
        "$defs": st.fixed_dictionaries({"A": SCHEMAS, "B": SCHEMAS}),
        "required": st.lists(NAMES, max_size=2),
    },
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=ROOTS, response=st.booleans())
def test_generated_schemas(schema: dict[str, Any], response: bool) -> None:
    before = copy.deepcopy(schema)
    try:
        result = convert_schema(schema, response=response, where="gen")
    except TranslationError as exc:
        assert str(exc).startswith("gen"), exc  # every error names the path
        assert schema == before
        return
    assert schema == before, "the input was mutated"
    genai_types.Schema.model_validate(result.schema)
    assert_vertex_shape(result.schema, response)
    assert all(isinstance(note, str) and "gen" in note for note in result.notes)
    again = convert_schema(copy.deepcopy(result.schema), response=response, where="gen")
    assert again.schema == result.schema, "not idempotent"
    assert all("$ref" not in node and "$defs" not in node for node in walk(result.schema))


@settings(max_examples=150, deadline=None)
@given(schema=SCHEMAS)
def test_any_subschema_converts_or_raises_translation_error(schema: Any) -> None:
    root = {
        "type": "object",
        "properties": {"x": schema},
        "$defs": {"A": {"type": "string"}, "B": {"type": "integer"}},
    }
    try:
        result = convert_schema(root, response=True)
    except TranslationError:
        return
    genai_types.Schema.model_validate(result.schema)
    assert_vertex_shape(result.schema, True)
