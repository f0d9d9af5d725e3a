"""Schema classes that were once mistranslated without a word: each is now fixed, or refused clearly.

Where a schema converts, the oracles of ``test_schema.py`` apply (Vertex's shape, and instances valid
under the input still valid under the output read back as JSON Schema).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union

import jsonschema
import pydantic
import pytest
from google.genai import types as genai_types

from openai_vertex._translate.schema import convert_schema
from openai_vertex.exceptions import TranslationError

from .test_schema import assert_vertex_shape, to_json_schema

TOOL = "tools[0].function.parameters"


def converts(
    schema: dict[str, Any], *valid: Any, response: bool = False
) -> tuple[dict[str, Any], tuple[str, ...]]:
    result = convert_schema(schema, response=response, where=TOOL)
    genai_types.Schema.model_validate(result.schema)
    assert_vertex_shape(result.schema, response)
    for instance in valid:
        jsonschema.validate(instance, schema)
        jsonschema.validate(instance, to_json_schema(result.schema))
    return result.schema, result.notes


# ---- tool parameters whose root is not an object -----------------------------------------------------


class _Item(pydantic.BaseModel):
    name: str


def test_a_list_model_as_tool_parameters_is_refused_with_the_wrapping_fix() -> None:
    schema = pydantic.TypeAdapter(list[_Item]).json_schema()
    with pytest.raises(TranslationError) as info:
        convert_schema(schema, response=False, where=TOOL)
    message = str(info.value)
    assert message.startswith(f"{TOOL}: Vertex takes function parameters as an object, not array")
    assert '"properties": {"items": <schema>}' in message
    # The same list is a fine response schema: Vertex takes any type there.
    assert converts(schema, [{"name": "a"}], response=True)[0]["type"] == "array"


@pytest.mark.parametrize(
    ("schema", "what"),
    [
        ({"type": "string"}, "not string"),
        (
            {"anyOf": [{"type": "string"}, {"type": "object", "properties": {"a": {"type": "string"}}}]},
            "string",
        ),
    ],
)
def test_other_non_object_tool_roots_are_refused(schema: dict[str, Any], what: str) -> None:
    with pytest.raises(TranslationError, match=re.escape(what)):
        convert_schema(schema, response=False, where=TOOL)


def test_a_root_union_of_objects_becomes_one_object_requiring_what_every_branch_requires() -> None:
    schema = {
        "oneOf": [
            {
                "type": "object",
                "properties": {"q": {"type": "string"}, "id": {"type": "integer"}},
                "required": ["q"],
            },
            {
                "type": "object",
                "properties": {"q": {"type": "string"}, "url": {"type": "string"}},
                "required": ["q", "url"],
            },
        ]
    }
    out, notes = converts(schema, {"q": "x"}, {"q": "x", "id": 1})
    assert out == {
        "type": "object",
        "properties": {"q": {"type": "string"}, "id": {"type": "integer"}, "url": {"type": "string"}},
        "required": ["q"],
    }
    assert any("as one object" in n and "['url'] no longer required" in n for n in notes), notes


# ---- discriminated unions -------------------------------------------------------------------------------


class _Cat(pydantic.BaseModel):
    pet_type: Literal["cat"] = "cat"
    meows: int


class _Dog(pydantic.BaseModel):
    pet_type: Literal["dog"] = "dog"
    barks: float


class _Owner(pydantic.BaseModel):
    pet: Annotated[Union[_Cat, _Dog], pydantic.Field(discriminator="pet_type")]  # noqa: UP007


@pytest.mark.parametrize("response", [False, True])
def test_a_discriminated_union_keeps_its_tag_required_in_every_member(response: bool) -> None:
    schema = _Owner.model_json_schema()
    assert "oneOf" in schema["properties"]["pet"] and "discriminator" in schema["properties"]["pet"]
    assert "pet_type" not in schema["$defs"]["_Cat"].get("required", [])  # what pydantic emits
    out, notes = converts(schema, {"pet": {"pet_type": "cat", "meows": 1}}, response=response)
    members = out["properties"]["pet"]["anyOf"]
    assert [m["properties"]["pet_type"]["enum"] for m in members] == [["cat"], ["dog"]]
    assert all("pet_type" in m["required"] for m in members)
    assert notes == ()  # the tags keep the members exclusive: no "may match several" note
    # What the caller parses a reply with accepts what the converted schema requires.
    _Owner.model_validate({"pet": {"pet_type": "dog", "barks": 2.0}})


def test_a_discriminator_tag_missing_from_a_member_is_noted() -> None:
    schema = {
        "type": "object",
        "properties": {
            "v": {
                "oneOf": [
                    {"type": "object", "properties": {"kind": {"const": "a"}}},
                    {"type": "object", "properties": {"other": {"type": "string"}}},
                ],
                "discriminator": {"propertyName": "kind"},
            }
        },
    }
    _, notes = converts(schema)
    assert any("'discriminator' property 'kind' is not a property of" in n for n in notes), notes


# ---- nullable beside $ref (OpenAPI 3.0 style) --------------------------------------------------------


@pytest.mark.parametrize("wrapped", [False, True])
def test_nullable_beside_a_ref_survives(wrapped: bool) -> None:
    target = {"type": "object", "properties": {"street": {"type": "string"}}}
    ref: dict[str, Any] = {"allOf": [{"$ref": "#/$defs/Address"}]} if wrapped else {"$ref": "#/$defs/Address"}
    schema = {
        "type": "object",
        "properties": {"home": {**ref, "nullable": True, "description": "or none"}},
        "$defs": {"Address": target},
    }
    out, _ = converts(schema)
    assert out["properties"]["home"] == {
        "type": "object",
        "nullable": True,
        "description": "or none",
        "properties": {"street": {"type": "string"}},
    }


# ---- empty enums ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prop",
    [
        {"type": "string", "enum": []},
        {"enum": []},
        {"type": "string", "enum": [1, 2]},
        {"type": ["integer", "boolean"], "enum": ["a"]},
    ],
)
def test_an_enum_that_allows_nothing_is_refused(prop: dict[str, Any]) -> None:
    schema = {"type": "object", "properties": {"x": prop}}
    with pytest.raises(TranslationError, match=r"schema\.properties\.x: .*nothing is valid"):
        convert_schema(schema, response=False)


def test_a_type_list_keeps_only_the_types_its_enum_allows() -> None:
    schema = {"type": "object", "properties": {"x": {"type": ["string", "integer"], "enum": ["a", "b"]}}}
    out, _ = converts(schema, {"x": "a"})
    assert out["properties"]["x"] == {"type": "string", "enum": ["a", "b"]}


# ---- the minor ones ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("members", "noted"),
    [
        ([{"type": "string"}, {"type": "integer"}], False),
        ([{"type": "string", "enum": ["a"]}, {"type": "string", "enum": ["b"]}], False),
        ([{"type": "string"}, {"type": "string", "maxLength": 2}], True),
        ([{"type": "integer"}, {"type": "number"}], True),
        ([{"type": "string", "nullable": True}, {"type": "integer", "nullable": True}], True),
    ],
)
def test_a_oneof_note_only_when_members_can_overlap(members: list[dict[str, Any]], noted: bool) -> None:
    _, notes = converts({"type": "object", "properties": {"v": {"oneOf": members}}})
    assert any("approximated 'oneOf'" in n for n in notes) is noted, notes


def test_identical_anyof_members_are_merged() -> None:
    schema = {
        "type": "object",
        "properties": {"v": {"anyOf": [{"type": "string"}, {"type": "string"}, {"type": "integer"}]}},
    }
    out, notes = converts(schema, {"v": "a"})
    assert out["properties"]["v"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    only, _ = converts(
        {"type": "object", "properties": {"v": {"anyOf": [{"type": "string"}, {"type": "string"}]}}}
    )
    assert only["properties"]["v"] == {"type": "string"}
    assert notes == ()


def test_a_default_dropped_beside_a_multi_member_anyof_is_noted() -> None:
    schema = {
        "type": "object",
        "properties": {"v": {"anyOf": [{"type": "string"}, {"type": "integer"}], "default": 3}},
    }
    _, notes = converts(schema)
    assert notes == (f"dropped 'default' at {TOOL}.properties.v: Vertex takes no keyword beside 'anyOf'",)
    # pydantic's `Optional[int | str] = None`: the null default says no more than `nullable`.
    optional = {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}], "default": None}
    assert converts({"type": "object", "properties": {"v": optional}})[1] == ()


def test_a_ref_that_is_not_a_string_names_the_expected_type() -> None:
    schema = {"type": "object", "properties": {"v": {"$ref": 5}}}
    with pytest.raises(TranslationError, match=re.escape("schema.properties.v: '$ref' must be a string")):
        convert_schema(schema, response=False)
