"""The API documentation page writes JSON Schema types in short notation and links named types."""

from __future__ import annotations

import pytest

from survey_app.web.controllers.api_docs import TypePart, type_parts


def _text(parts: list[TypePart]) -> str:
    return "".join(part.text for part in parts)


@pytest.mark.parametrize(
    "schema, written",
    [
        ({"type": "string"}, "string"),
        ({"type": "string", "format": "date-time"}, "string (date-time)"),
        ({"oneOf": [{"type": "integer"}, {"type": "null"}]}, "integer | null"),
        ({"type": ["null", "object"]}, "null | object"),
        ({"type": "object", "additionalProperties": {"type": "integer"}}, "{string: integer}"),
        ({"type": "array", "items": {"$ref": "#/components/schemas/WaveView"}}, "WaveView[]"),
        ({}, "any"),
    ],
)
def test_types_in_short_notation(schema, written):
    assert _text(type_parts(schema)) == written


def test_named_types_are_linked():
    parts = type_parts({"type": "array", "items": {"$ref": "#/components/schemas/CaseloadEntryOut"}})
    assert [part.ref for part in parts] == ["CaseloadEntryOut", None]
