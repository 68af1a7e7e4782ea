"""The reply's JSON schema generated from sections.toml, and the validator that keeps to it."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from callrecap.adapters.prompt_files import load_prompt_set
from callrecap.domain.models import DEFAULT_MAX_CHARS, DEFAULT_MAX_ITEM_CHARS, DEFAULT_MAX_ITEMS, SectionType
from callrecap.domain.summaries.output import parse_reply, validate_sections
from callrecap.domain.summaries.prompts import PromptError, parse_sections, section_view
from callrecap.domain.summaries.reply_schema import reply_schema, without_length_bounds
from tests.helpers.sections import complete

SECTIONS_TOML = """
[[section]]
name = "summary"
instruction = "Say what happened."
max_chars = 50

[[section]]
name = "items"
type = "list"
instruction = "Follow-ups."
max_items = 2
max_chars = 10

[[section]]
name = "mood"
type = "enum"
allowed = ["good", "bad", "other"]
unlisted = "other"
instruction = "The mood."

[[section]]
name = "note"
instruction = "Anything else."
required = false

[[section]]
name = "hidden"
instruction = "Not asked."
enabled = false
"""


def schema_of(text: str = SECTIONS_TOML) -> dict[str, Any]:
    return reply_schema(parse_sections(text))


def test_every_enabled_section_is_a_required_property_and_nothing_else_is_allowed() -> None:
    schema = schema_of()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert list(schema["properties"]) == ["summary", "items", "mood", "note"]  # hidden is not asked
    assert schema["required"] == ["summary", "items", "mood", "note"]  # strict decoders need all


def test_types_enums_and_bounds_follow_each_section() -> None:
    properties = schema_of()["properties"]
    assert properties["summary"] == {"type": "string", "maxLength": 50, "description": "Say what happened."}
    assert properties["items"]["type"] == "array" and properties["items"]["maxItems"] == 2
    assert properties["items"]["items"] == {"type": "string", "maxLength": 10}
    assert properties["mood"]["enum"] == ["good", "bad", "other"] and "maxLength" not in properties["mood"]
    assert properties["note"]["maxLength"] == DEFAULT_MAX_CHARS  # no bound given: the default


def test_defaults_for_a_list_without_bounds() -> None:
    schema = schema_of('[[section]]\nname = "x"\ntype = "list"\ninstruction = "y"\n')
    assert schema["properties"]["x"]["maxItems"] == DEFAULT_MAX_ITEMS
    assert schema["properties"]["x"]["items"]["maxLength"] == DEFAULT_MAX_ITEM_CHARS


def test_the_deployments_disposition_list_is_the_enum() -> None:
    prompts = load_prompt_set().configured(dispositions=["refund", "upgrade"])
    disposition = reply_schema(prompts.sections)["properties"]["disposition"]
    assert disposition["enum"] == ["refund", "upgrade", "other"]  # the catch-all kept at the end


def test_without_length_bounds_removes_every_length_keyword() -> None:
    text = json.dumps(without_length_bounds(schema_of()))
    assert "maxLength" not in text and "maxItems" not in text
    assert '"enum"' in text and '"required"' in text


def test_the_repository_sections_schema_accepts_a_good_reply_and_refuses_bad_ones() -> None:
    prompts = load_prompt_set()
    schema = reply_schema(prompts.sections)
    good = complete({"summary": "Refund given.", "topic": "Refund", "action_items": ["Agent emails."]})
    jsonschema.validate(good, schema)
    for bad in (
        {**good, "disposition": "not a disposition"},
        {**good, "extra": "x"},
        {key: value for key, value in good.items() if key != "topic"},
        {**good, "action_items": ["x"] * 50},
        {**good, "summary": "y" * 5000},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
    assert validate_sections(good, prompts.sections) == good


def test_the_validator_holds_an_unconstrained_reply_within_the_same_bounds() -> None:
    sections = parse_sections(SECTIONS_TOML)
    reply = {"summary": "word " * 40, "items": ["a", "b", "c"], "mood": "good", "note": ""}
    parsed = validate_sections(reply, sections)
    assert isinstance(parsed, dict)
    assert len(parsed["summary"]) <= 50 and parsed["summary"].endswith("\u2026")
    assert parsed["items"] == ["a", "b"]
    jsonschema.validate(parsed, reply_schema(sections))


def test_parse_reply_output_validates_against_the_schema() -> None:
    sections = parse_sections(SECTIONS_TOML)
    parsed = parse_reply(
        '```json\n{"Summary": "ok", "items": "- first item is long\\n- b", "mood": "GOOD", "note": "n"}\n```',
        sections,
    )
    assert isinstance(parsed, dict)
    jsonschema.validate(parsed, reply_schema(sections))


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ("max_items = 3", "`max_items` does not apply to type text"),
        ("max_chars = 0", "`max_chars` must be a whole number"),
        ("max_chars = true", "`max_chars` must be a whole number"),
        ("max_chars = 1000000", "`max_chars` must be a whole number from 1 to 20000"),
    ],
)
def test_bad_bounds_are_refused_naming_the_key(extra: str, problem: str) -> None:
    with pytest.raises(PromptError, match=problem):
        parse_sections(f'[[section]]\nname = "x"\ninstruction = "y"\n{extra}\n')


def test_bounds_do_not_apply_to_an_enum() -> None:
    with pytest.raises(PromptError, match="`max_chars` does not apply to type enum"):
        parse_sections(
            '[[section]]\nname = "x"\ntype = "enum"\nallowed = ["a"]\ninstruction = "y"\nmax_chars = 5\n'
        )


def test_the_prompt_states_the_bounds_too() -> None:
    sections = parse_sections(SECTIONS_TOML)
    shapes = {spec.name: section_view(spec)["shape"] for spec in sections}
    assert shapes["summary"] == "a string of at most 50 characters"
    assert shapes["items"] == "an array of at most 2 strings of at most 10 characters each"
    assert sections[1].type is SectionType.LIST
