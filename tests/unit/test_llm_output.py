"""Lenient extraction of the JSON object from model replies, and validation against the sections."""

from __future__ import annotations

import pytest

from callrecap.domain.models import SectionSpec, SectionType
from callrecap.domain.summaries.output import OutputError, extract_json_object, parse_reply, validate_sections

SECTIONS = [
    SectionSpec("summary", "s"),
    SectionSpec("action_items", "a", SectionType.LIST),
    SectionSpec("resolved", "r", SectionType.ENUM, ("yes", "no", "unclear")),
]
GOOD = {"summary": "Order late.", "action_items": ["Agent ships a replacement."], "resolved": "yes"}


@pytest.mark.parametrize(
    "reply",
    [
        '{"summary": "Order late.", "action_items": ["Agent ships a replacement."], "resolved": "yes"}',
        'Here is the summary:\n```json\n{"summary": "Order late.", "action_items": '
        '["Agent ships a replacement."], "resolved": "yes"}\n```\nLet me know!',
        'Sure! {"summary": "Order late.", "action_items": ["Agent ships a replacement.",], '
        '"resolved": "yes",} Hope that helps {not json}',
        '```\n{"Summary": "Order late.", "Action Items": "- Agent ships a replacement.", '
        '"RESOLVED": " Yes. "}\n```',
    ],
)
def test_lenient_extraction_and_normalization(reply: str) -> None:
    assert parse_reply(reply, SECTIONS) == GOOD


def test_braces_and_commas_inside_strings_are_respected() -> None:
    reply = 'x {"summary": "Said {hi}, then \\"bye,}\\"", "action_items": [], "resolved": "no"} y'
    assert parse_reply(reply, SECTIONS) == {
        "summary": 'Said {hi}, then "bye,}"',
        "action_items": [],
        "resolved": "no",
    }


def test_first_valid_object_wins_over_an_invalid_one() -> None:
    reply = '{broken: } then {"summary": "ok", "action_items": null, "resolved": "unclear"}'
    assert parse_reply(reply, SECTIONS) == {"summary": "ok", "action_items": [], "resolved": "unclear"}


@pytest.mark.parametrize("reply", ["", "   ", "I cannot summarize this call.", "[1, 2]", '{"summary": '])
def test_no_object_is_an_error(reply: str) -> None:
    result = extract_json_object(reply)
    assert isinstance(result, OutputError)
    assert "JSON object" in result.message


def test_every_problem_is_listed_for_the_repair_prompt() -> None:
    result = validate_sections({"summary": {"nested": 1}, "resolved": "maybe"}, SECTIONS)
    assert isinstance(result, OutputError)
    assert result.problems == (
        '"summary" must be a string',
        'missing key "action_items"',
        '"resolved" must be one of "yes", "no", "unclear", got "maybe"',
    )
    assert result.message.startswith("the JSON object is not valid: ")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("None", []),
        ("1. Call back\n2) Send email\n\n* Refund", ["Call back", "Send email", "Refund"]),
        ([" a ", "", 3], ["a", "3"]),
        ([{"owner": "agent", "task": "call"}], ["owner: agent; task: call"]),
    ],
)
def test_list_values_are_normalized(value: object, expected: list[str]) -> None:
    result = validate_sections({"summary": "s", "action_items": value, "resolved": "no"}, SECTIONS)
    assert isinstance(result, dict)
    assert result["action_items"] == expected


def test_wrong_list_item_type_is_an_error() -> None:
    result = validate_sections({"summary": "s", "action_items": [["x"]], "resolved": "no"}, SECTIONS)
    assert isinstance(result, OutputError)


def test_boolean_maps_onto_yes_no_enums() -> None:
    result = validate_sections({"summary": "s", "action_items": [], "resolved": True}, SECTIONS)
    assert isinstance(result, dict) and result["resolved"] == "yes"


def test_an_all_empty_summary_is_an_error() -> None:
    result = validate_sections({"summary": " ", "action_items": [], "resolved": "unclear"}, SECTIONS)
    assert isinstance(result, OutputError) and 'every text section is empty: "summary"' in result.message


def test_an_optional_section_the_model_could_not_write_is_left_out_after_the_repair() -> None:
    sections = [*SECTIONS, SectionSpec("follow_up_email", "e", required=False)]
    for reply in (GOOD, {**GOOD, "follow_up_email": {"subject": "not a string"}}):
        first = validate_sections(reply, sections)
        assert isinstance(first, OutputError) and "follow_up_email" in first.message  # asked once
        assert validate_sections(reply, sections, last_attempt=True) == GOOD
    missing_required = {k: v for k, v in GOOD.items() if k != "summary"}
    assert isinstance(validate_sections(missing_required, sections, last_attempt=True), OutputError)


def test_raw_newlines_inside_strings_are_accepted() -> None:
    """llama.cpp's JSON grammar lets a constrained decoder write a newline unescaped in a string."""
    from callrecap.domain.summaries.output import extract_json_object

    assert extract_json_object('{"summary": "line one\nline two", "topic": "t"}') == {
        "summary": "line one\nline two",
        "topic": "t",
    }
