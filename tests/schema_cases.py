"""Real-world JSON Schemas and what ``convert_schema`` must make of them (used by tests/test_schema.py).

Each case gives the input, either the whole expected output or ``checks`` (dotted path -> value) for
the big ones, hand-written instances that are valid under the input (and must stay valid under the
output), one substring per expected note, or the expected TranslationError text.

Sources: pydantic 2.14 ``model_json_schema()`` output (frozen here so a pydantic upgrade cannot move
the goalposts), the OpenAI structured-output and function-calling guides, MCP servers (filesystem,
fetch, github, playwright; zod-to-json-schema and pydantic shapes), LangChain
``convert_to_openai_tool`` / ``with_structured_output`` shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    id: str
    schema: dict[str, Any]
    response: bool = False
    expected: dict[str, Any] | None = None
    checks: dict[str, Any] = field(default_factory=dict)
    valid: tuple[Any, ...] = ()
    notes: tuple[str, ...] = ()
    error: str | None = None


# ---- pydantic 2.14 model_json_schema() outputs -------------------------------------------------------

PYD_USER = {
    "description": "A user of the service.",
    "properties": {
        "name": {"description": "Full name", "title": "Name", "type": "string"},
        "age": {"exclusiveMaximum": 150, "minimum": 0, "title": "Age", "type": "integer"},
        "email": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "title": "Email"},
    },
    "required": ["name", "age"],
    "title": "User",
    "type": "object",
}

PYD_ORDER = {
    "$defs": {
        "Address": {
            "properties": {
                "street": {"title": "Street", "type": "string"},
                "city": {"title": "City", "type": "string"},
                "zip_code": {
                    "anyOf": [{"pattern": "^\\d{5}$", "type": "string"}, {"type": "null"}],
                    "default": None,
                    "title": "Zip Code",
                },
            },
            "required": ["street", "city"],
            "title": "Address",
            "type": "object",
        },
        "Item": {
            "properties": {
                "sku": {"title": "Sku", "type": "string"},
                "quantity": {"default": 1, "minimum": 1, "title": "Quantity", "type": "integer"},
                "price": {"title": "Price", "type": "number"},
            },
            "required": ["sku", "price"],
            "title": "Item",
            "type": "object",
        },
    },
    "properties": {
        "id": {"title": "Id", "type": "string"},
        "shipping": {"$ref": "#/$defs/Address"},
        "billing": {
            "anyOf": [{"$ref": "#/$defs/Address"}, {"type": "null"}],
            "default": None,
            "description": "Billing address, if different",
        },
        "items": {"items": {"$ref": "#/$defs/Item"}, "minItems": 1, "title": "Items", "type": "array"},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "title": "Note"},
    },
    "required": ["id", "shipping", "items"],
    "title": "Order",
    "type": "object",
}

PYD_ENUMS = {
    "$defs": {
        "Color": {"enum": ["red", "green", "blue"], "title": "Color", "type": "string"},
        "Size": {"enum": [1, 2, 3], "title": "Size", "type": "integer"},
    },
    "properties": {
        "color": {"$ref": "#/$defs/Color", "default": "red"},
        "size": {"$ref": "#/$defs/Size"},
        "fit": {"default": "regular", "enum": ["slim", "regular"], "title": "Fit", "type": "string"},
        "brand": {"const": "acme", "title": "Brand", "type": "string"},
    },
    "required": ["size", "brand"],
    "title": "Shirt",
    "type": "object",
}

PYD_FORMATS = {
    "properties": {
        "starts_at": {"format": "date-time", "title": "Starts At", "type": "string"},
        "day": {"format": "date", "title": "Day", "type": "string"},
        "id": {"format": "uuid", "title": "Id", "type": "string"},
        "duration": {"format": "duration", "title": "Duration", "type": "string"},
    },
    "required": ["starts_at", "day", "id", "duration"],
    "title": "Event",
    "type": "object",
}

PYD_DICTS = {
    "properties": {
        "counts": {"additionalProperties": {"type": "integer"}, "title": "Counts", "type": "object"},
        "tags": {
            "additionalProperties": {"items": {"type": "string"}, "type": "array"},
            "title": "Tags",
            "type": "object",
        },
    },
    "required": ["counts"],
    "title": "Inventory",
    "type": "object",
}

PYD_UNIONS = {
    "properties": {
        "value": {"anyOf": [{"type": "integer"}, {"type": "string"}], "title": "Value"},
        "amount": {"anyOf": [{"type": "number"}, {"type": "string"}], "title": "Amount"},
        "ratio": {
            "anyOf": [{"type": "integer"}, {"type": "number"}, {"type": "null"}],
            "default": None,
            "title": "Ratio",
        },
    },
    "required": ["value", "amount"],
    "title": "Measure",
    "type": "object",
}

PYD_CONSTRAINTS = {
    "properties": {
        "qty": {"exclusiveMinimum": 0, "maximum": 100, "title": "Qty", "type": "integer"},
        "score": {"exclusiveMaximum": 1.0, "exclusiveMinimum": 0.0, "title": "Score", "type": "number"},
        "code": {"maxLength": 8, "minLength": 2, "pattern": "^[A-Z]+$", "title": "Code", "type": "string"},
        "step": {"multipleOf": 5, "title": "Step", "type": "integer"},
        "tags": {"items": {"type": "string"}, "title": "Tags", "type": "array", "uniqueItems": True},
        "pair": {
            "maxItems": 2,
            "minItems": 2,
            "prefixItems": [{"type": "integer"}, {"type": "string"}],
            "title": "Pair",
            "type": "array",
        },
    },
    "required": ["qty", "score", "code", "step", "pair"],
    "title": "Constrained",
    "type": "object",
}

PYD_ALIASES = {
    "properties": {
        "userId": {"description": "The user id", "title": "Userid", "type": "integer"},
        "displayName": {"default": "anon", "title": "Displayname", "type": "string"},
        "isAdmin": {"default": False, "title": "Isadmin", "type": "boolean"},
    },
    "required": ["userId"],
    "title": "Aliased",
    "type": "object",
}

PYD_DISCRIMINATED = {
    "$defs": {
        "Cat": {
            "properties": {
                "pet_type": {"const": "cat", "title": "Pet Type", "type": "string"},
                "meows": {"title": "Meows", "type": "integer"},
            },
            "required": ["pet_type", "meows"],
            "title": "Cat",
            "type": "object",
        },
        "Dog": {
            "properties": {
                "pet_type": {"const": "dog", "title": "Pet Type", "type": "string"},
                "barks": {"title": "Barks", "type": "number"},
            },
            "required": ["pet_type", "barks"],
            "title": "Dog",
            "type": "object",
        },
    },
    "properties": {
        "pet": {
            "discriminator": {
                "mapping": {"cat": "#/$defs/Cat", "dog": "#/$defs/Dog"},
                "propertyName": "pet_type",
            },
            "oneOf": [{"$ref": "#/$defs/Cat"}, {"$ref": "#/$defs/Dog"}],
            "title": "Pet",
        },
        "other": {
            "anyOf": [{"$ref": "#/$defs/Cat"}, {"$ref": "#/$defs/Dog"}, {"type": "null"}],
            "default": None,
            "title": "Other",
        },
    },
    "required": ["pet"],
    "title": "Owner",
    "type": "object",
}

PYD_RECURSIVE = {
    "$defs": {
        "Node": {
            "properties": {
                "value": {"title": "Value", "type": "integer"},
                "children": {
                    "default": [],
                    "items": {"$ref": "#/$defs/Node"},
                    "title": "Children",
                    "type": "array",
                },
            },
            "required": ["value"],
            "title": "Node",
            "type": "object",
        }
    },
    "$ref": "#/$defs/Node",
}

PYD_MUTUAL = {
    "$defs": {
        "A": {
            "properties": {"b": {"anyOf": [{"$ref": "#/$defs/B"}, {"type": "null"}], "default": None}},
            "title": "A",
            "type": "object",
        },
        "B": {
            "properties": {"a": {"anyOf": [{"$ref": "#/$defs/A"}, {"type": "null"}], "default": None}},
            "title": "B",
            "type": "object",
        },
    },
    "$ref": "#/$defs/A",
}

PYD_ANY = {
    "properties": {
        "payload": {"title": "Payload"},
        "meta": {"additionalProperties": True, "default": {}, "title": "Meta", "type": "object"},
        "blob": {"default": "", "format": "binary", "title": "Blob", "type": "string"},
        "flag": {"const": True, "default": True, "title": "Flag", "type": "boolean"},
    },
    "required": ["payload"],
    "title": "Anything",
    "type": "object",
}

PYD_REASONING = {
    "$defs": {
        "Step": {
            "properties": {
                "explanation": {"title": "Explanation", "type": "string"},
                "output": {"title": "Output", "type": "string"},
            },
            "required": ["explanation", "output"],
            "title": "Step",
            "type": "object",
        }
    },
    "properties": {
        "steps": {"items": {"$ref": "#/$defs/Step"}, "title": "Steps", "type": "array"},
        "final_answer": {"title": "Final Answer", "type": "string"},
    },
    "required": ["steps", "final_answer"],
    "title": "Reasoning",
    "type": "object",
}

PYD_REF_SIBLING = {
    "$defs": {
        "Address": {
            "properties": {
                "street": {"title": "Street", "type": "string"},
                "city": {"title": "City", "type": "string"},
                "zip_code": {
                    "anyOf": [{"pattern": "^\\d{5}$", "type": "string"}, {"type": "null"}],
                    "default": None,
                    "title": "Zip Code",
                },
            },
            "required": ["street", "city"],
            "title": "Address",
            "type": "object",
        }
    },
    "description": "Location lookup.",
    "properties": {
        "home": {"$ref": "#/$defs/Address", "description": "Where the user lives"},
        "tags": {
            "anyOf": [{"items": {"type": "string"}, "maxItems": 5, "type": "array"}, {"type": "null"}],
            "default": None,
            "description": "Free tags",
            "title": "Tags",
        },
    },
    "required": ["home"],
    "title": "Described",
    "type": "object",
}


# ---- other real-world schemas --------------------------------------------------------------------------

# OpenAI structured outputs guide: "Chain of thought" math tutor (strict json_schema).
OPENAI_MATH = {
    "type": "object",
    "properties": {
        "steps": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"explanation": {"type": "string"}, "output": {"type": "string"}},
                "required": ["explanation", "output"],
                "additionalProperties": False,
            },
        },
        "final_answer": {"type": "string"},
    },
    "required": ["steps", "final_answer"],
    "additionalProperties": False,
}

# OpenAI structured outputs guide: recursive UI generation ("$ref": "#").
OPENAI_UI = {
    "type": "object",
    "properties": {
        "type": {
            "type": "string",
            "description": "The type of the UI component",
            "enum": ["div", "button", "header", "section", "field", "form"],
        },
        "label": {
            "type": "string",
            "description": "The label of the UI component, used for buttons or form fields",
        },
        "children": {"type": "array", "description": "Nested UI components", "items": {"$ref": "#"}},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
                "required": ["name", "value"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["type", "label", "children", "attributes"],
    "additionalProperties": False,
}

# OpenAI structured outputs guide: linked list through $defs.
OPENAI_LINKED_LIST = {
    "type": "object",
    "properties": {"linked_list": {"$ref": "#/$defs/linked_list_node"}},
    "$defs": {
        "linked_list_node": {
            "type": "object",
            "properties": {
                "value": {"type": "number"},
                "next": {"anyOf": [{"$ref": "#/$defs/linked_list_node"}, {"type": "null"}]},
            },
            "additionalProperties": False,
            "required": ["next", "value"],
        }
    },
    "additionalProperties": False,
    "required": ["linked_list"],
}

# OpenAI structured outputs guide: content moderation with nullable enum (type arrays).
OPENAI_MODERATION = {
    "type": "object",
    "properties": {
        "is_violating": {
            "type": "boolean",
            "description": "Indicates if the content is violating guidelines",
        },
        "category": {
            "type": ["string", "null"],
            "description": "Type of violation, if any. Null otherwise.",
            "enum": ["violence", "sexual", "self_harm", None],
        },
        "explanation_if_violating": {
            "type": ["string", "null"],
            "description": "Explanation of why the content is violating",
        },
    },
    "required": ["is_violating", "category", "explanation_if_violating"],
    "additionalProperties": False,
}

# OpenAI function calling guide: strict get_weather tool.
OPENAI_GET_WEATHER = {
    "type": "object",
    "properties": {
        "location": {"type": "string", "description": "City and country e.g. Bogotá, Colombia"},
        "units": {
            "type": ["string", "null"],
            "enum": ["celsius", "fahrenheit"],
            "description": "Units the temperature will be returned in.",
        },
    },
    "required": ["location", "units"],
    "additionalProperties": False,
}

# MCP filesystem server read_text_file (zod-to-json-schema, draft-07).
MCP_READ_FILE = {
    "type": "object",
    "properties": {
        "path": {"type": "string"},
        "tail": {"type": "number", "description": "If provided, returns only the last N lines of the file"},
        "head": {"type": "number", "description": "If provided, returns only the first N lines of the file"},
    },
    "required": ["path"],
    "additionalProperties": False,
    "$schema": "http://json-schema.org/draft-07/schema#",
}

# MCP fetch server (pydantic model `Fetch`).
MCP_FETCH = {
    "description": "Parameters for fetching a URL.",
    "properties": {
        "url": {
            "description": "URL to fetch",
            "format": "uri",
            "minLength": 1,
            "title": "Url",
            "type": "string",
        },
        "max_length": {
            "default": 5000,
            "description": "Maximum number of characters to return.",
            "exclusiveMaximum": 1000000,
            "exclusiveMinimum": 0,
            "title": "Max Length",
            "type": "integer",
        },
        "start_index": {
            "default": 0,
            "description": "On return output starting at this character index.",
            "minimum": 0,
            "title": "Start Index",
            "type": "integer",
        },
        "raw": {
            "default": False,
            "description": "Get the actual HTML content.",
            "title": "Raw",
            "type": "boolean",
        },
    },
    "required": ["url"],
    "title": "Fetch",
    "type": "object",
}

# MCP github server create_issue (zod-to-json-schema).
MCP_GITHUB_ISSUE = {
    "type": "object",
    "properties": {
        "owner": {"type": "string"},
        "repo": {"type": "string"},
        "title": {"type": "string"},
        "body": {"type": "string"},
        "assignees": {"type": "array", "items": {"type": "string"}},
        "milestone": {"type": "number"},
        "labels": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["owner", "repo", "title"],
    "additionalProperties": False,
    "$schema": "http://json-schema.org/draft-07/schema#",
}

# An MCP tool described in draft 2020-12 with $id, $defs, const, formats and examples.
MCP_SEND_EMAIL = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.com/tools/send_email.json",
    "type": "object",
    "properties": {
        "to": {
            "type": "string",
            "format": "email",
            "description": "Recipient",
            "examples": ["ann@example.com"],
        },
        "priority": {"enum": ["low", "normal", "high"], "default": "normal"},
        "kind": {"const": "email"},
        "attachments": {"type": "array", "items": {"$ref": "#/$defs/attachment"}, "maxItems": 10},
    },
    "required": ["to", "kind"],
    "additionalProperties": False,
    "$defs": {
        "attachment": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "mime": {"type": "string", "pattern": "^[a-z]+/[a-z0-9.+-]+$"},
            },
            "required": ["name"],
            "additionalProperties": False,
        }
    },
}

# Playwright MCP browser_click (zod-to-json-schema).
MCP_CLICK = {
    "type": "object",
    "properties": {
        "element": {"type": "string", "description": "Human-readable element description"},
        "ref": {"type": "string", "description": "Exact target element reference from the page snapshot"},
        "doubleClick": {"type": "boolean", "description": "Whether to perform a double click"},
        "button": {"type": "string", "enum": ["left", "right", "middle"], "description": "Button to click"},
        "modifiers": {
            "type": "array",
            "items": {"type": "string", "enum": ["Alt", "Control", "Meta", "Shift"]},
        },
    },
    "required": ["element", "ref"],
    "additionalProperties": False,
    "$schema": "http://json-schema.org/draft-07/schema#",
}

# zod-to-json-schema shapes: z.union(...).nullable(), z.literal(3), z.record(z.string()), z.string().url().
MCP_ZOD = {
    "type": "object",
    "properties": {
        "id": {"type": ["string", "number", "null"], "description": "An id"},
        "name": {"type": ["string", "null"]},
        "version": {"type": "number", "const": 3},
        "env": {"type": "object", "additionalProperties": {"type": "string"}},
        "homepage": {"type": "string", "format": "uri"},
    },
    "required": ["id", "version"],
    "additionalProperties": False,
    "$schema": "http://json-schema.org/draft-07/schema#",
}

# LangChain convert_to_openai_tool(multiply) with a Google-style docstring.
LC_MULTIPLY = {
    "properties": {
        "a": {"description": "First integer", "type": "integer"},
        "b": {"description": "Second integer", "type": "integer"},
    },
    "required": ["a", "b"],
    "type": "object",
}

# LangChain tool with an optional argument (titles removed by convert_to_openai_tool).
LC_SEARCH = {
    "properties": {
        "query": {"description": "search query", "type": "string"},
        "max_results": {
            "anyOf": [{"type": "integer"}, {"type": "null"}],
            "default": None,
            "description": "max results",
        },
    },
    "required": ["query"],
    "type": "object",
}

# LangChain convert_to_openai_tool(..., strict=True).
LC_STRICT = {
    "properties": {
        "location": {"description": "The city and state, e.g. San Francisco, CA", "type": "string"},
        "unit": {"description": "The unit", "enum": ["celsius", "fahrenheit"], "type": "string"},
    },
    "required": ["location", "unit"],
    "type": "object",
    "additionalProperties": False,
}

# LangChain with_structured_output(Joke).
LC_JOKE = {
    "title": "Joke",
    "description": "Joke to tell user.",
    "type": "object",
    "properties": {
        "setup": {"title": "Setup", "description": "The setup of the joke", "type": "string"},
        "punchline": {"title": "Punchline", "description": "The punchline to the joke", "type": "string"},
        "rating": {
            "title": "Rating",
            "description": "How funny the joke is, from 1 to 10",
            "anyOf": [{"type": "integer"}, {"type": "null"}],
            "default": None,
        },
    },
    "required": ["setup", "punchline"],
}

# LangChain extraction tutorial: list of nested models, titles removed.
LC_PEOPLE = {
    "properties": {
        "people": {
            "items": {
                "description": "Information about a person.",
                "properties": {
                    "name": {
                        "anyOf": [{"type": "string"}, {"type": "null"}],
                        "default": None,
                        "description": "The name of the person",
                    },
                    "height_in_meters": {
                        "anyOf": [{"type": "number"}, {"type": "null"}],
                        "default": None,
                        "description": "Height measured in meters",
                    },
                },
                "type": "object",
            },
            "type": "array",
        }
    },
    "required": ["people"],
    "type": "object",
}

# ---- expected outputs shared by several cases ----------------------------------------------------------

ADDRESS_TOOL = {
    "type": "object",
    "title": "Address",
    "properties": {
        "street": {"type": "string", "title": "Street"},
        "city": {"type": "string", "title": "City"},
        "zip_code": {
            "type": "string",
            "nullable": True,
            "title": "Zip Code",
            "default": None,
            "pattern": "^\\d{5}$",
        },
    },
    "required": ["street", "city"],
}
ADDRESS_RESPONSE = {**ADDRESS_TOOL, "propertyOrdering": ["street", "city", "zip_code"]}
CAT = {
    "type": "object",
    "title": "Cat",
    "properties": {
        "pet_type": {"type": "string", "title": "Pet Type", "enum": ["cat"]},
        "meows": {"type": "integer", "title": "Meows"},
    },
    "required": ["pet_type", "meows"],
    "propertyOrdering": ["pet_type", "meows"],
}
DOG = {
    "type": "object",
    "title": "Dog",
    "properties": {
        "pet_type": {"type": "string", "title": "Pet Type", "enum": ["dog"]},
        "barks": {"type": "number", "title": "Barks"},
    },
    "required": ["pet_type", "barks"],
    "propertyOrdering": ["pet_type", "barks"],
}


def _obj(props: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props, **extra}
    if required:
        out["required"] = required
    return out


CASES: list[Case] = [
    # -- pydantic --------------------------------------------------------------------------------------
    Case(
        "pydantic_user_exclusive_max_on_integer_is_exact",
        PYD_USER,
        expected={
            "type": "object",
            "title": "User",
            "description": "A user of the service.",
            "properties": {
                "name": {"type": "string", "title": "Name", "description": "Full name"},
                "age": {"type": "integer", "title": "Age", "minimum": 0, "maximum": 149},
                "email": {"type": "string", "nullable": True, "title": "Email", "default": None},
            },
            "required": ["name", "age"],
        },
        valid=(
            {"name": "Ann", "age": 149},
            {"name": "Bo", "age": 0, "email": None},
            {"name": "C", "age": 3, "email": "c@x"},
        ),
    ),
    Case(
        "pydantic_user_response_gets_property_ordering",
        PYD_USER,
        response=True,
        checks={"propertyOrdering": ["name", "age", "email"], "properties.email.nullable": True},
        valid=({"name": "Ann", "age": 1},),
    ),
    Case(
        "pydantic_nested_defs_optional_model_response",
        PYD_ORDER,
        response=True,
        expected={
            "type": "object",
            "title": "Order",
            "properties": {
                "id": {"type": "string", "title": "Id"},
                "shipping": ADDRESS_RESPONSE,
                "billing": {
                    **ADDRESS_RESPONSE,
                    "nullable": True,
                    "default": None,
                    "description": "Billing address, if different",
                },
                "items": {
                    "type": "array",
                    "title": "Items",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "title": "Item",
                        "properties": {
                            "sku": {"type": "string", "title": "Sku"},
                            "quantity": {"type": "integer", "title": "Quantity", "default": 1, "minimum": 1},
                            "price": {"type": "number", "title": "Price"},
                        },
                        "required": ["sku", "price"],
                        "propertyOrdering": ["sku", "quantity", "price"],
                    },
                },
                "note": {"type": "string", "nullable": True, "title": "Note", "default": None},
            },
            "required": ["id", "shipping", "items"],
            "propertyOrdering": ["id", "shipping", "billing", "items", "note"],
        },
        valid=(
            {"id": "1", "shipping": {"street": "s", "city": "c"}, "items": [{"sku": "a", "price": 1.5}]},
            {
                "id": "2",
                "shipping": {"street": "s", "city": "c", "zip_code": "12345"},
                "billing": None,
                "items": [{"sku": "a", "quantity": 3, "price": 2}],
                "note": None,
            },
        ),
    ),
    Case(
        "pydantic_nested_defs_tool_has_no_property_ordering",
        PYD_ORDER,
        checks={
            "properties.shipping": ADDRESS_TOOL,
            "properties.billing.nullable": True,
            "properties.billing.description": "Billing address, if different",
            "properties.items.items.required": ["sku", "price"],
        },
        valid=({"id": "1", "shipping": {"street": "s", "city": "c"}, "items": [{"sku": "a", "price": 1}]},),
    ),
    Case(
        "pydantic_str_enum_int_enum_literal_const",
        PYD_ENUMS,
        expected=_obj(
            {
                "color": {
                    "type": "string",
                    "title": "Color",
                    "default": "red",
                    "enum": ["red", "green", "blue"],
                },
                "size": {"type": "integer", "title": "Size", "format": "enum", "enum": ["1", "2", "3"]},
                "fit": {"type": "string", "title": "Fit", "default": "regular", "enum": ["slim", "regular"]},
                "brand": {"type": "string", "title": "Brand", "enum": ["acme"]},
            },
            ["size", "brand"],
            title="Shirt",
        ),
        valid=({"size": 2, "brand": "acme"}, {"color": "blue", "size": 3, "fit": "slim", "brand": "acme"}),
    ),
    Case(
        "pydantic_formats_keep_only_date_time",
        PYD_FORMATS,
        expected=_obj(
            {
                "starts_at": {"type": "string", "title": "Starts At", "format": "date-time"},
                "day": {"type": "string", "title": "Day"},
                "id": {"type": "string", "title": "Id"},
                "duration": {"type": "string", "title": "Duration"},
            },
            ["starts_at", "day", "id", "duration"],
            title="Event",
        ),
        valid=({"starts_at": "2026-01-01T00:00:00Z", "day": "2026-01-01", "id": "a-b", "duration": "P1D"},),
        notes=("'format: date' at schema.properties.day", "'format: uuid'", "'format: duration'"),
    ),
    Case(
        "pydantic_dict_str_x_response_keeps_map_with_note",
        PYD_DICTS,
        response=True,
        expected=_obj(
            {
                "counts": {"type": "object", "title": "Counts", "additionalProperties": {"type": "integer"}},
                "tags": {
                    "type": "object",
                    "title": "Tags",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            ["counts"],
            title="Inventory",
            propertyOrdering=["counts", "tags"],
        ),
        valid=({"counts": {"a": 1}, "tags": {"x": ["y"]}}, {"counts": {}}),
        notes=("'additionalProperties' schema at schema.properties.counts", "at schema.properties.tags, but"),
    ),
    Case(
        "pydantic_dict_str_x_tool_drops_map_with_note",
        PYD_DICTS,
        expected=_obj(
            {"counts": {"type": "object", "title": "Counts"}, "tags": {"type": "object", "title": "Tags"}},
            ["counts"],
            title="Inventory",
        ),
        valid=({"counts": {"a": 1}, "tags": {"x": ["y"]}},),
        notes=("the 'additionalProperties' schema at schema.properties.counts", "properties.tags"),
    ),
    Case(
        "pydantic_unions_and_optional_union",
        PYD_UNIONS,
        expected=_obj(
            {
                "value": {
                    "anyOf": [{"type": "integer", "title": "Value"}, {"type": "string", "title": "Value"}]
                },
                "amount": {
                    "anyOf": [{"type": "number", "title": "Amount"}, {"type": "string", "title": "Amount"}]
                },
                "ratio": {
                    "anyOf": [
                        {"type": "integer", "nullable": True, "title": "Ratio"},
                        {"type": "number", "nullable": True, "title": "Ratio"},
                    ]
                },
            },
            ["value", "amount"],
            title="Measure",
        ),
        valid=({"value": 1, "amount": "1.5", "ratio": None}, {"value": "x", "amount": 2.5, "ratio": 0.5}),
    ),
    Case(
        "pydantic_conint_confloat_constr_multiple_set_tuple",
        PYD_CONSTRAINTS,
        expected=_obj(
            {
                "qty": {"type": "integer", "title": "Qty", "minimum": 1, "maximum": 100},
                "score": {"type": "number", "title": "Score", "minimum": 0.0, "maximum": 1.0},
                "code": {
                    "type": "string",
                    "title": "Code",
                    "minLength": 2,
                    "maxLength": 8,
                    "pattern": "^[A-Z]+$",
                },
                "step": {"type": "integer", "title": "Step"},
                "tags": {"type": "array", "title": "Tags", "items": {"type": "string"}},
                "pair": {
                    "type": "array",
                    "title": "Pair",
                    "minItems": 2,
                    "maxItems": 2,
                    "items": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
                },
            },
            ["qty", "score", "code", "step", "pair"],
            title="Constrained",
        ),
        valid=({"qty": 100, "score": 0.5, "code": "AB", "step": 10, "tags": ["a", "b"], "pair": [1, "x"]},),
        notes=(
            "'exclusiveMinimum' at schema.properties.score",
            "'exclusiveMaximum' at schema.properties.score",
            "'multipleOf' at schema.properties.step",
            "'uniqueItems' at schema.properties.tags",
            "'prefixItems' at schema.properties.pair",
        ),
    ),
    Case(
        "pydantic_aliases_defaults",
        PYD_ALIASES,
        expected=_obj(
            {
                "userId": {"type": "integer", "title": "Userid", "description": "The user id"},
                "displayName": {"type": "string", "title": "Displayname", "default": "anon"},
                "isAdmin": {"type": "boolean", "title": "Isadmin", "default": False},
            },
            ["userId"],
            title="Aliased",
        ),
        valid=({"userId": 1}, {"userId": 2, "displayName": "x", "isAdmin": True}),
    ),
    Case(
        "pydantic_discriminated_union_no_oneof_note",
        PYD_DISCRIMINATED,
        response=True,
        expected=_obj(
            {
                "pet": {"anyOf": [CAT, DOG]},
                "other": {"anyOf": [{**CAT, "nullable": True}, {**DOG, "nullable": True}]},
            },
            ["pet"],
            title="Owner",
            propertyOrdering=["pet", "other"],
        ),
        valid=(
            {"pet": {"pet_type": "cat", "meows": 3}},
            {"pet": {"pet_type": "dog", "barks": 1.5}, "other": None},
            {"pet": {"pet_type": "dog", "barks": 1}, "other": {"pet_type": "cat", "meows": 0}},
        ),
    ),
    Case(
        "pydantic_recursive_tree_is_an_error",
        PYD_RECURSIVE,
        error="schema.properties.children.items: '$ref' '#/$defs/Node' is recursive",
    ),
    Case(
        "pydantic_mutual_recursion_is_an_error",
        PYD_MUTUAL,
        response=True,
        error="schema.properties.b.anyOf[0].properties.a.anyOf[0]: '$ref' '#/$defs/A' is recursive",
    ),
    Case(
        "pydantic_any_bytes_literal_true",
        PYD_ANY,
        expected=_obj(
            {
                "payload": {"type": "object", "title": "Payload"},
                "meta": {"type": "object", "title": "Meta", "default": {}},
                "blob": {"type": "string", "title": "Blob", "default": ""},
                "flag": {"type": "boolean", "title": "Flag", "default": True},
            },
            ["payload"],
            title="Anything",
        ),
        valid=({"payload": {"k": 1}}, {"payload": {}, "meta": {"a": [1]}, "blob": "YWJj", "flag": True}),
        notes=(
            "untyped schema at schema.properties.payload",
            "'format: binary'",
            "'enum'/'const' at schema.properties.flag",
        ),
    ),
    Case(
        "pydantic_any_response_keeps_additional_properties_true",
        PYD_ANY,
        response=True,
        checks={
            "properties.meta": {
                "type": "object",
                "title": "Meta",
                "default": {},
                "additionalProperties": True,
            }
        },
        valid=({"payload": {"k": 1}, "meta": {"x": None}},),
        notes=("untyped schema", "'format: binary'", "'enum'/'const'"),
    ),
    Case(
        "pydantic_reasoning_steps_response",
        PYD_REASONING,
        response=True,
        expected=_obj(
            {
                "steps": {
                    "type": "array",
                    "title": "Steps",
                    "items": _obj(
                        {
                            "explanation": {"type": "string", "title": "Explanation"},
                            "output": {"type": "string", "title": "Output"},
                        },
                        ["explanation", "output"],
                        title="Step",
                        propertyOrdering=["explanation", "output"],
                    ),
                },
                "final_answer": {"type": "string", "title": "Final Answer"},
            },
            ["steps", "final_answer"],
            title="Reasoning",
            propertyOrdering=["steps", "final_answer"],
        ),
        valid=({"steps": [{"explanation": "e", "output": "o"}], "final_answer": "x = 3"},),
    ),
    Case(
        "pydantic_ref_with_sibling_description",
        PYD_REF_SIBLING,
        expected=_obj(
            {
                "home": {**ADDRESS_TOOL, "description": "Where the user lives"},
                "tags": {
                    "type": "array",
                    "nullable": True,
                    "title": "Tags",
                    "description": "Free tags",
                    "default": None,
                    "maxItems": 5,
                    "items": {"type": "string"},
                },
            },
            ["home"],
            title="Described",
            description="Location lookup.",
        ),
        valid=(
            {"home": {"street": "s", "city": "c"}, "tags": ["a"]},
            {"home": {"street": "s", "city": "c"}, "tags": None},
        ),
    ),
    # -- OpenAI structured outputs and function calling -----------------------------------------------
    Case(
        "openai_math_reasoning_strict_response",
        OPENAI_MATH,
        response=True,
        expected={
            "type": "object",
            "properties": {
                "steps": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"explanation": {"type": "string"}, "output": {"type": "string"}},
                        "required": ["explanation", "output"],
                        "propertyOrdering": ["explanation", "output"],
                        "additionalProperties": False,
                    },
                },
                "final_answer": {"type": "string"},
            },
            "required": ["steps", "final_answer"],
            "propertyOrdering": ["steps", "final_answer"],
            "additionalProperties": False,
        },
        valid=(
            {"steps": [], "final_answer": "4"},
            {"steps": [{"explanation": "a", "output": "b"}], "final_answer": ""},
        ),
    ),
    Case(
        "openai_math_reasoning_as_tool_notes_each_additional_properties_false",
        OPENAI_MATH,
        checks={"properties.steps.items.required": ["explanation", "output"]},
        valid=({"steps": [{"explanation": "a", "output": "b"}], "final_answer": "4"},),
    ),
    Case(
        "openai_recursive_ui_is_an_error",
        OPENAI_UI,
        response=True,
        error="schema.properties.children.items: '$ref' '#' is recursive",
    ),
    Case(
        "openai_linked_list_is_an_error",
        OPENAI_LINKED_LIST,
        response=True,
        error="schema.properties.linked_list.properties.next.anyOf[0]: '$ref' '#/$defs/linked_list_node'",
    ),
    Case(
        "openai_moderation_nullable_enum_type_arrays",
        OPENAI_MODERATION,
        response=True,
        expected={
            "type": "object",
            "properties": {
                "is_violating": {
                    "type": "boolean",
                    "description": "Indicates if the content is violating guidelines",
                },
                "category": {
                    "type": "string",
                    "nullable": True,
                    "description": "Type of violation, if any. Null otherwise.",
                    "enum": ["violence", "sexual", "self_harm"],
                },
                "explanation_if_violating": {
                    "type": "string",
                    "nullable": True,
                    "description": "Explanation of why the content is violating",
                },
            },
            "required": ["is_violating", "category", "explanation_if_violating"],
            "propertyOrdering": ["is_violating", "category", "explanation_if_violating"],
            "additionalProperties": False,
        },
        valid=(
            {"is_violating": False, "category": None, "explanation_if_violating": None},
            {"is_violating": True, "category": "violence", "explanation_if_violating": "x"},
        ),
    ),
    Case(
        "openai_get_weather_strict_tool",
        OPENAI_GET_WEATHER,
        expected=_obj(
            {
                "location": {"type": "string", "description": "City and country e.g. Bogotá, Colombia"},
                "units": {
                    "type": "string",
                    "nullable": True,
                    "description": "Units the temperature will be returned in.",
                    "enum": ["celsius", "fahrenheit"],
                },
            },
            ["location", "units"],
        ),
        valid=({"location": "Paris, France", "units": "celsius"},),
    ),
    # -- MCP ------------------------------------------------------------------------------------------
    Case(
        "mcp_filesystem_read_file",
        MCP_READ_FILE,
        expected=_obj(
            {
                "path": {"type": "string"},
                "tail": {
                    "type": "number",
                    "description": "If provided, returns only the last N lines of the file",
                },
                "head": {
                    "type": "number",
                    "description": "If provided, returns only the first N lines of the file",
                },
            },
            ["path"],
        ),
        valid=({"path": "/tmp/x"}, {"path": "a", "head": 3}),
    ),
    Case(
        "mcp_fetch_exclusive_bounds_and_uri",
        MCP_FETCH,
        expected=_obj(
            {
                "url": {"type": "string", "title": "Url", "description": "URL to fetch", "minLength": 1},
                "max_length": {
                    "type": "integer",
                    "title": "Max Length",
                    "description": "Maximum number of characters to return.",
                    "default": 5000,
                    "minimum": 1,
                    "maximum": 999999,
                },
                "start_index": {
                    "type": "integer",
                    "title": "Start Index",
                    "description": "On return output starting at this character index.",
                    "default": 0,
                    "minimum": 0,
                },
                "raw": {
                    "type": "boolean",
                    "title": "Raw",
                    "description": "Get the actual HTML content.",
                    "default": False,
                },
            },
            ["url"],
            title="Fetch",
            description="Parameters for fetching a URL.",
        ),
        valid=(
            {"url": "https://example.com"},
            {"url": "x", "max_length": 999999, "start_index": 0, "raw": True},
        ),
        notes=("'format: uri' at schema.properties.url",),
    ),
    Case(
        "mcp_github_create_issue",
        MCP_GITHUB_ISSUE,
        expected=_obj(
            {
                "owner": {"type": "string"},
                "repo": {"type": "string"},
                "title": {"type": "string"},
                "body": {"type": "string"},
                "assignees": {"type": "array", "items": {"type": "string"}},
                "milestone": {"type": "number"},
                "labels": {"type": "array", "items": {"type": "string"}},
            },
            ["owner", "repo", "title"],
        ),
        valid=({"owner": "o", "repo": "r", "title": "t", "labels": ["bug"], "milestone": 2},),
    ),
    Case(
        "mcp_tool_without_parameters",
        {"type": "object", "properties": {}, "$schema": "http://json-schema.org/draft-07/schema#"},
        expected={"type": "object"},
        valid=({},),
    ),
    Case(
        "mcp_draft_2020_12_defs_const_email_examples",
        MCP_SEND_EMAIL,
        expected=_obj(
            {
                "to": {"type": "string", "description": "Recipient", "example": "ann@example.com"},
                "priority": {"type": "string", "default": "normal", "enum": ["low", "normal", "high"]},
                "kind": {"type": "string", "enum": ["email"]},
                "attachments": {
                    "type": "array",
                    "maxItems": 10,
                    "items": _obj(
                        {
                            "name": {"type": "string"},
                            "mime": {"type": "string", "pattern": "^[a-z]+/[a-z0-9.+-]+$"},
                        },
                        ["name"],
                    ),
                },
            },
            ["to", "kind"],
        ),
        valid=(
            {"to": "a@b.c", "kind": "email"},
            {"to": "x", "kind": "email", "attachments": [{"name": "n", "mime": "text/plain"}]},
        ),
        notes=("'format: email'",),
    ),
    Case(
        "mcp_playwright_click",
        MCP_CLICK,
        checks={
            "properties.button": {
                "type": "string",
                "enum": ["left", "right", "middle"],
                "description": "Button to click",
            },
            "properties.modifiers.items.enum": ["Alt", "Control", "Meta", "Shift"],
            "required": ["element", "ref"],
        },
        valid=({"element": "OK button", "ref": "e3", "modifiers": ["Shift"], "doubleClick": False},),
    ),
    Case(
        "mcp_zod_unions_literal_record_url",
        MCP_ZOD,
        expected=_obj(
            {
                "id": {
                    "anyOf": [
                        {"type": "string", "nullable": True, "description": "An id"},
                        {"type": "number", "nullable": True, "description": "An id"},
                    ]
                },
                "name": {"type": "string", "nullable": True},
                "version": {"type": "integer", "format": "enum", "enum": ["3"]},
                "env": {"type": "object"},
                "homepage": {"type": "string"},
            },
            ["id", "version"],
        ),
        valid=(
            {"id": None, "version": 3},
            {"id": "a", "name": None, "version": 3, "env": {"A": "b"}, "homepage": "h"},
        ),
        notes=(
            "'additionalProperties' schema at schema.properties.env",
            "'format: uri'",
        ),
    ),
    # -- LangChain ------------------------------------------------------------------------------------
    Case("langchain_multiply_tool_unchanged", LC_MULTIPLY, expected=LC_MULTIPLY, valid=({"a": 2, "b": 3},)),
    Case(
        "langchain_optional_argument",
        LC_SEARCH,
        expected=_obj(
            {
                "query": {"type": "string", "description": "search query"},
                "max_results": {
                    "type": "integer",
                    "nullable": True,
                    "description": "max results",
                    "default": None,
                },
            },
            ["query"],
        ),
        valid=({"query": "q"}, {"query": "q", "max_results": None}, {"query": "q", "max_results": 5}),
    ),
    Case(
        "langchain_strict_tool",
        LC_STRICT,
        checks={"properties.unit.enum": ["celsius", "fahrenheit"], "required": ["location", "unit"]},
        valid=({"location": "SF", "unit": "celsius"},),
    ),
    Case(
        "langchain_structured_output_joke",
        LC_JOKE,
        response=True,
        expected=_obj(
            {
                "setup": {"type": "string", "title": "Setup", "description": "The setup of the joke"},
                "punchline": {
                    "type": "string",
                    "title": "Punchline",
                    "description": "The punchline to the joke",
                },
                "rating": {
                    "type": "integer",
                    "nullable": True,
                    "title": "Rating",
                    "description": "How funny the joke is, from 1 to 10",
                    "default": None,
                },
            },
            ["setup", "punchline"],
            title="Joke",
            description="Joke to tell user.",
            propertyOrdering=["setup", "punchline", "rating"],
        ),
        valid=({"setup": "s", "punchline": "p"}, {"setup": "s", "punchline": "p", "rating": 7}),
    ),
    Case(
        "langchain_extraction_people",
        LC_PEOPLE,
        expected=_obj(
            {
                "people": {
                    "type": "array",
                    "items": _obj(
                        {
                            "name": {
                                "type": "string",
                                "nullable": True,
                                "description": "The name of the person",
                                "default": None,
                            },
                            "height_in_meters": {
                                "type": "number",
                                "nullable": True,
                                "description": "Height measured in meters",
                                "default": None,
                            },
                        },
                        description="Information about a person.",
                    ),
                }
            },
            ["people"],
        ),
        valid=({"people": []}, {"people": [{"name": "Ann", "height_in_meters": 1.7}, {"name": None}]}),
    ),
    # -- single rules -----------------------------------------------------------------------------------
    Case(
        "draft07_definitions_ref",
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "definitions": {"unit": {"type": "string", "enum": ["c", "f"]}},
            "properties": {"temp": {"type": "number"}, "unit": {"$ref": "#/definitions/unit"}},
            "required": ["temp"],
        },
        expected=_obj({"temp": {"type": "number"}, "unit": {"type": "string", "enum": ["c", "f"]}}, ["temp"]),
        valid=({"temp": 1.5, "unit": "c"},),
    ),
    Case(
        "pydantic_v1_allof_single_ref_with_description",
        {
            "type": "object",
            "properties": {"home": {"allOf": [{"$ref": "#/definitions/Addr"}], "description": "Home"}},
            "definitions": {
                "Addr": {"title": "Addr", "type": "object", "properties": {"city": {"type": "string"}}}
            },
        },
        expected=_obj({"home": _obj({"city": {"type": "string"}}, title="Addr", description="Home")}),
        valid=({"home": {"city": "x"}},),
    ),
    Case(
        "allof_object_members_merge",
        {
            "type": "object",
            "properties": {
                "thing": {
                    "description": "merged",
                    "allOf": [
                        {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                        {
                            "type": "object",
                            "properties": {"b": {"type": "integer", "minimum": 0}},
                            "required": ["b"],
                        },
                    ],
                }
            },
        },
        expected=_obj(
            {
                "thing": _obj(
                    {"a": {"type": "string"}, "b": {"type": "integer", "minimum": 0}},
                    ["a", "b"],
                    description="merged",
                )
            }
        ),
        valid=({"thing": {"a": "x", "b": 0}},),
    ),
    Case(
        "allof_incompatible_types_is_an_error",
        {"type": "object", "properties": {"x": {"allOf": [{"type": "string"}, {"type": "integer"}]}}},
        error="schema.properties.x: 'allOf' combines the incompatible types 'string' and 'integer'",
    ),
    Case(
        "unresolvable_ref_is_an_error",
        {"type": "object", "properties": {"x": {"$ref": "#/$defs/Missing"}}},
        error="schema.properties.x: cannot resolve '$ref' '#/$defs/Missing'",
    ),
    Case(
        "remote_ref_is_an_error",
        {"type": "object", "properties": {"x": {"$ref": "https://example.com/s.json"}}},
        error="cannot resolve '$ref' 'https://example.com/s.json'",
    ),
    Case(
        "empty_string_enum_values_are_dropped",
        {
            "type": "object",
            "properties": {"level": {"type": "string", "enum": ["", "low", "high"]}, "only": {"enum": [""]}},
        },
        expected=_obj({"level": {"type": "string", "enum": ["low", "high"]}, "only": {"type": "string"}}),
        valid=({"level": "low", "only": ""},),
        notes=("empty string from 'enum' at schema.properties.level", "at schema.properties.only"),
    ),
    Case(
        "type_array_with_per_type_keywords",
        {
            "type": "object",
            "properties": {
                "id": {
                    "type": ["string", "integer", "null"],
                    "minLength": 1,
                    "minimum": 0,
                    "description": "id",
                }
            },
        },
        expected=_obj(
            {
                "id": {
                    "anyOf": [
                        {"type": "string", "nullable": True, "description": "id", "minLength": 1},
                        {"type": "integer", "nullable": True, "description": "id", "minimum": 0},
                    ]
                }
            }
        ),
        valid=({"id": "a"}, {"id": 0}, {"id": None}),
    ),
    Case(
        "draft4_boolean_exclusive_bounds",
        {
            "$schema": "http://json-schema.org/draft-04/schema#",  # lets jsonschema check the instances
            "type": "object",
            "properties": {
                "p": {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 1},
                "n": {"type": "integer", "maximum": 10, "exclusiveMaximum": True},
            },
        },
        expected=_obj(
            {"p": {"type": "number", "minimum": 0, "maximum": 1}, "n": {"type": "integer", "maximum": 9}}
        ),
        valid=({"p": 0.5, "n": 9},),
        notes=("'exclusiveMinimum' at schema.properties.p as inclusive 'minimum'",),
    ),
    Case(
        "constraints_vertex_rejects_are_noted",
        {
            "type": "object",
            "properties": {
                "a": {"type": "string", "not": {"const": "x"}},
                "b": {"type": "object", "patternProperties": {"^x": {"type": "string"}}},
                "c": {"type": "integer"},
            },
            "if": {"properties": {"c": {"const": 1}}},
            "then": {"required": ["a"]},
            "dependentRequired": {"a": ["c"]},
        },
        expected=_obj({"a": {"type": "string"}, "b": {"type": "object"}, "c": {"type": "integer"}}),
        valid=({"a": "y", "b": {"x1": "z"}, "c": 1},),
        notes=(
            "'not' at schema.properties.a",
            "'patternProperties' at schema.properties.b",
            "'if' at schema:",
            "'dependentRequired'",
        ),
    ),
    Case(
        "annotations_are_dropped_silently",
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "urn:x",
            "$comment": "internal",
            "strict": True,
            "type": "object",
            "properties": {
                "a": {
                    "type": "string",
                    "readOnly": True,
                    "deprecated": True,
                    "examples": ["x", "y"],
                    "x-order": 1,
                },
                "b": {
                    "type": "string",
                    "writeOnly": True,
                    "contentEncoding": "base64",
                    "contentMediaType": "image/png",
                },
                "c": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "uniqueItems": False,
                    "propertyNames": {},
                },
            },
        },
        expected=_obj(
            {
                "a": {"type": "string", "example": "x"},
                "b": {"type": "string"},
                "c": {"type": "array", "items": {"type": "integer"}},
            }
        ),
        valid=({"a": "x", "b": "aGk=", "c": [1, 1]},),
    ),
    Case(
        "non_string_const_and_enum",
        {
            "type": "object",
            "properties": {
                "version": {"const": 2},
                "ratio": {"const": 0.5},
                "level": {"type": "number", "enum": [1, 2.0]},
            },
        },
        expected=_obj(
            {
                "version": {"type": "integer", "format": "enum", "enum": ["2"]},
                "ratio": {"type": "number"},
                "level": {"type": "integer", "format": "enum", "enum": ["1", "2"]},
            }
        ),
        valid=({"version": 2, "ratio": 0.5, "level": 2},),
        notes=("'enum'/'const' at schema.properties.ratio",),
    ),
    Case(
        "untyped_enum_with_mixed_values_splits_by_type",
        {"type": "object", "properties": {"v": {"enum": ["a", 1, None], "description": "mixed"}}},
        expected=_obj(
            {
                "v": {
                    "anyOf": [
                        {"type": "string", "nullable": True, "description": "mixed", "enum": ["a"]},
                        {
                            "type": "integer",
                            "nullable": True,
                            "description": "mixed",
                            "format": "enum",
                            "enum": ["1"],
                        },
                    ]
                }
            }
        ),
        valid=({"v": "a"}, {"v": 1}, {"v": None}),
    ),
    Case(
        "required_names_not_in_properties",
        {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a", "ghost"]},
        expected=_obj({"a": {"type": "string"}}, ["a"]),
        valid=({"a": "x", "ghost": 1},),
        notes=("['ghost'] from 'required' at schema",),
    ),
    Case(
        "arrays_without_item_types",
        {"type": "object", "properties": {"xs": {"type": "array", "items": {}}, "ys": {"type": "array"}}},
        expected=_obj(
            {
                "xs": {"type": "array", "items": {"type": "object"}},
                "ys": {"type": "array", "items": {"type": "object"}},
            }
        ),
        valid=({"xs": [{}], "ys": [{"a": 1}]},),
        notes=(
            "untyped schema at schema.properties.xs.items",
            "untyped schema at schema.properties.ys.items",
        ),
    ),
    Case(
        "null_only_property",
        {"type": "object", "properties": {"nothing": {"type": "null"}}},
        expected=_obj({"nothing": {"type": "object", "nullable": True}}),
        valid=({"nothing": None},),
        notes=("null-only schema at schema.properties.nothing",),
    ),
    Case(
        "anyof_siblings_move_into_members",
        {
            "type": "object",
            "properties": {
                "id": {
                    "anyOf": [{"type": "string"}, {"type": "integer", "description": "as number"}],
                    "title": "Id",
                    "description": "An id",
                    "default": "x",
                }
            },
        },
        expected=_obj(
            {
                "id": {
                    "anyOf": [
                        {"type": "string", "title": "Id", "description": "An id"},
                        {"type": "integer", "title": "Id", "description": "as number"},
                    ]
                }
            }
        ),
        valid=({"id": "x"}, {"id": 3}),
        notes=("dropped 'default' at schema.properties.id",),
    ),
    Case(
        "plain_oneof_loses_exclusivity_with_a_note",
        {"type": "object", "properties": {"v": {"oneOf": [{"type": "number"}, {"type": "integer"}]}}},
        expected=_obj({"v": {"anyOf": [{"type": "number"}, {"type": "integer"}]}}),
        valid=({"v": 1.5},),
        notes=("'oneOf' at schema.properties.v as 'anyOf'",),
    ),
    Case(
        "oneof_of_disjoint_members_needs_no_note",
        {"type": "object", "properties": {"v": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}},
        expected=_obj({"v": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}),
        valid=({"v": "a"}, {"v": 1}),
    ),
    Case(
        "anyof_constraints_beside_members_are_distributed",
        {
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
            "anyOf": [{"required": ["a"]}, {"required": ["b"]}],
        },
        response=True,
        expected={
            "anyOf": [
                {
                    **_obj({"a": {"type": "string"}, "b": {"type": "string"}}, ["a"]),
                    "propertyOrdering": ["a", "b"],
                },
                {
                    **_obj({"a": {"type": "string"}, "b": {"type": "string"}}, ["b"]),
                    "propertyOrdering": ["a", "b"],
                },
            ]
        },
        valid=({"a": "x"}, {"b": "y"}, {"a": "x", "b": "y"}),
    ),
    Case(
        "tool_root_union_of_required_branches_becomes_one_object",
        {
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
            "oneOf": [{"required": ["a"]}, {"required": ["b"]}],
        },
        expected=_obj({"a": {"type": "string"}, "b": {"type": "string"}}),
        valid=({"a": "x"}, {"b": "y"}),
        notes=("'oneOf' at schema as 'anyOf'", "approximated the union at schema as one object"),
    ),
    Case(
        "response_keeps_given_property_ordering",
        {
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
            "propertyOrdering": ["b", "a"],
        },
        response=True,
        expected={
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
            "propertyOrdering": ["b", "a"],
        },
        valid=({"a": "x", "b": 1},),
    ),
    Case(
        "json_pointer_ref_into_properties",
        {
            "type": "object",
            "properties": {
                "src": {"type": "object", "properties": {"x/y": {"type": "number", "maximum": 5}}},
                "dst": {"$ref": "#/properties/src/properties/x~1y"},
            },
        },
        expected=_obj(
            {"src": _obj({"x/y": {"type": "number", "maximum": 5}}), "dst": {"type": "number", "maximum": 5}}
        ),
        valid=({"src": {"x/y": 1}, "dst": 5},),
    ),
]
