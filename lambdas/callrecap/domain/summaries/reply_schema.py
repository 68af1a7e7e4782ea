"""The JSON schema of a summary reply, generated from the section list (prompts/sections.toml).

One schema serves every provider's own way of constraining output (OpenAI-compatible
`response_format`, Bedrock's `outputConfig.textFormat` or a strict tool's input schema, the custom
Lambda's request) and says what `output.validate_sections` accepts: an object with exactly the
enabled sections, every one listed as required (strict decoders need that; an optional section
may come back as an empty string and is then left out), enum values as written, and bounds on
string length and list size.

Bounds matter for grammar-based decoders (llama.cpp, vLLM's guided decoding): without them a
small model can keep a string open until the token cap. Some hosted decoders refuse length
keywords (Anthropic's structured outputs on Bedrock accept neither `maxLength` nor `maxItems`),
so `without_length_bounds` takes them out for those; the prompt still states the bounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from callrecap.domain.models import SectionSpec, SectionType

SCHEMA_NAME = "call_summary"
"""The schema's (and the Bedrock tool's) name: letters, digits and underscores, as every API wants."""

SCHEMA_DESCRIPTION = "The summary of one contact-center call, one key per section."

LENGTH_KEYWORDS = frozenset({"maxLength", "maxItems"})


def reply_schema(sections: Sequence[SectionSpec]) -> dict[str, Any]:
    """The JSON schema (draft 2020-12 subset) of a reply holding every section of `sections`."""
    properties = {spec.name: _property(spec) for spec in sections}
    return {
        "type": "object",
        "properties": properties,
        "required": [spec.name for spec in sections],
        "additionalProperties": False,
    }


def _property(spec: SectionSpec) -> dict[str, Any]:
    described: dict[str, Any]
    if spec.type is SectionType.ENUM:
        described = {"type": "string", "enum": list(spec.allowed)}
    elif spec.type is SectionType.LIST:
        described = {
            "type": "array",
            "items": {"type": "string", "maxLength": spec.char_bound},
            "maxItems": spec.item_bound,
        }
    else:
        described = {"type": "string", "maxLength": spec.char_bound}
    described["description"] = spec.instruction
    return described


def without_length_bounds(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of `schema` with every length keyword removed (for decoders that refuse them)."""
    cleaned: dict[str, Any] = {}
    for key, value in schema.items():
        if key in LENGTH_KEYWORDS:
            continue
        if isinstance(value, dict):
            cleaned[key] = without_length_bounds(value)
        else:
            cleaned[key] = value
    return cleaned
