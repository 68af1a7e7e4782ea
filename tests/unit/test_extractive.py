"""The offline extractive summarizer: every section filled, valid types, deterministic."""

from __future__ import annotations

import json

import pytest

from callrecap.domain.models import SectionSpec, SectionType, Turn
from callrecap.domain.summaries.extractive import MODEL_ID, clean_text, summarize_extractive

DEFAULT_SECTIONS = [
    SectionSpec("summary", "Summarize the call."),
    SectionSpec("topic", "Main topic."),
    SectionSpec("action_items", "Follow-ups.", SectionType.LIST),
    SectionSpec("resolved", "Was it resolved?", SectionType.ENUM, ("yes", "no", "unclear")),
    SectionSpec(
        "customer_sentiment", "Customer mood.", SectionType.ENUM, ("positive", "neutral", "negative")
    ),
]

CALL = [
    Turn("AGENT", "Thank you for calling Acme support, this is Dana. How can I help you today?"),
    Turn("CUSTOMER", "Hi, um, my router keeps dropping the internet connection every evening."),
    Turn("AGENT", "I'm sorry to hear that. Can you tell me the model of the router?"),
    Turn("CUSTOMER", "It's the Acme R200 router, I bought it last year."),
    Turn("AGENT", "The R200 router needs a firmware update for that connection problem."),
    Turn("AGENT", "I will send you an email with the firmware update steps today."),
    Turn("CUSTOMER", "Great, that works. Thank you so much, that was really helpful."),
    Turn("AGENT", "You're welcome, have a great evening."),
]


def test_every_section_is_filled_with_a_value_of_its_type() -> None:
    result = summarize_extractive(CALL, DEFAULT_SECTIONS)

    assert set(result) == {spec.name for spec in DEFAULT_SECTIONS}
    assert isinstance(result["summary"], str) and result["summary"]
    assert isinstance(result["topic"], str) and "router" in result["topic"].lower()
    assert isinstance(result["action_items"], list)
    assert all(isinstance(item, str) for item in result["action_items"])
    assert any("send you an email" in item for item in result["action_items"])
    assert result["resolved"] == "yes"
    assert result["customer_sentiment"] == "positive"
    json.dumps(result)  # stored and published as JSON


def test_summary_is_extracted_from_the_transcript_and_labelled_by_speaker() -> None:
    summary = summarize_extractive(CALL, DEFAULT_SECTIONS)["summary"]

    assert summary.startswith(("Customer:", "Agent:"))
    assert "router" in summary
    assert " um," not in summary  # fillers are kept out


def test_output_is_deterministic() -> None:
    first = summarize_extractive(CALL, DEFAULT_SECTIONS)
    for _ in range(3):
        assert summarize_extractive(list(CALL), list(DEFAULT_SECTIONS)) == first


def test_custom_sections_are_filled_by_type() -> None:
    sections = [
        SectionSpec("reason_for_call", "Why did they call?"),
        SectionSpec("products", "Products named.", SectionType.LIST),
        SectionSpec("urgency", "How urgent?", SectionType.ENUM, ("low", "unclear", "high")),
        SectionSpec("callback", "Callback needed?", SectionType.ENUM, ("true", "false")),
    ]
    result = summarize_extractive(CALL, sections)

    assert isinstance(result["reason_for_call"], str) and result["reason_for_call"]
    assert result["products"] == []
    assert result["urgency"] == "unclear"
    assert result["callback"] == "true"  # no non-committal value allowed: the first one


def test_enum_values_follow_the_allowed_spelling() -> None:
    sections = [SectionSpec("resolved", "", SectionType.ENUM, ("Yes", "No", "Unclear"))]
    assert summarize_extractive(CALL, sections)["resolved"] == "Yes"


def test_unresolved_and_negative_call() -> None:
    turns = [
        Turn("CUSTOMER", "I was charged twice for my order and it still hasn't arrived."),
        Turn("AGENT", "I'm sorry, I can see the duplicate charge on the order."),
        Turn("CUSTOMER", "This is ridiculous, the refund still not showing and it's unacceptable."),
        Turn("AGENT", "I will escalate this to my supervisor and we'll get back to you."),
        Turn("CUSTOMER", "I am very frustrated and disappointed."),
    ]
    result = summarize_extractive(turns, DEFAULT_SECTIONS)
    assert result["resolved"] == "no"
    assert result["customer_sentiment"] == "negative"


@pytest.mark.parametrize("turns", [[], [Turn("AGENT", "")], [Turn("CUSTOMER", "{gap} um")]])
def test_empty_transcripts_give_empty_but_valid_sections(turns: list[Turn]) -> None:
    result = summarize_extractive(turns, DEFAULT_SECTIONS)
    assert result["summary"] == ""
    assert result["action_items"] == []
    assert result["resolved"] == "unclear"
    assert result["customer_sentiment"] == "neutral"


def test_clean_text_drops_handles_links_markers_and_signatures() -> None:
    text = "@AcmeHelp Please DM us https://t.co/abc {vocalsound} and we'll look into it. ^JD"
    assert clean_text(text) == "Please DM us and we'll look into it."


def test_model_id_says_extractive() -> None:
    assert MODEL_ID.startswith("extractive")


def test_a_long_meeting_fills_every_section(shared_data) -> None:  # type: ignore[no-untyped-def]
    row = json.loads((shared_data / "long" / "ES2004b.jsonl").read_text().splitlines()[0])
    turns = [Turn(t["speaker"], t["text"]) for t in row["turns"]]
    result = summarize_extractive(turns, DEFAULT_SECTIONS)
    assert result["summary"] and result["topic"]
    assert len(result["action_items"]) <= 5
    assert "{" not in result["summary"]


@pytest.mark.parametrize(
    ("opening", "expected"),
    [
        (
            "Hi Sam, my internet keeps dropping every few minutes since yesterday evening.",
            "Internet keeps dropping",
        ),
        ("Hello, I'd like to cancel my subscription please.", "Cancel subscription"),
        (
            "Yeah hi. I'm calling because the invoice shows the wrong address.",
            "Invoice shows the wrong address",
        ),
        ("We're moving to a new office at the end of the month.", "Moving to a new office"),
    ],
)
def test_topic_is_the_customers_first_request_cut_to_its_core(opening: str, expected: str) -> None:
    turns = [
        Turn("AGENT", "Thank you for calling Acme, this is Dana. How can I help?"),
        Turn("CUSTOMER", "Hi Dana, my name is Lee Park."),
        Turn("AGENT", "Hi Lee, how can I help?"),
        Turn("CUSTOMER", opening),
        Turn("AGENT", "Let me look into that for you."),
    ]
    assert summarize_extractive(turns, DEFAULT_SECTIONS)["topic"] == expected


def test_topic_of_a_vague_problem_names_the_thing() -> None:
    turns = [
        Turn("CUSTOMER", "Hi. We rent a printer from you and we've been having some issues."),
        Turn("AGENT", "Which printer model is it?"),
        Turn("CUSTOMER", "The printer is the P40."),
    ]
    assert summarize_extractive(turns, DEFAULT_SECTIONS)["topic"] == "Issues with printer"


def test_topic_without_a_customer_statement_comes_from_what_was_said() -> None:
    turns = [
        Turn("PERSON1", "Okay."),
        Turn("PERSON2", "So, the marketing budget for next quarter is too small."),
        Turn("PERSON1", "The marketing budget was cut in March."),
    ]
    assert "budget" in summarize_extractive(turns, DEFAULT_SECTIONS)["topic"]
    only_greetings = [Turn("AGENT", "Hello."), Turn("CUSTOMER", "Hi."), Turn("AGENT", "Bye.")]
    assert summarize_extractive(only_greetings, DEFAULT_SECTIONS)["topic"] == ""


def test_a_contingency_is_not_an_outcome() -> None:
    turns = [
        Turn("CUSTOMER", "My router keeps restarting."),
        Turn("AGENT", "I've reset the line and the router is working now."),
        Turn("CUSTOMER", "Yes, pages are loading again."),
        Turn("AGENT", "If it still drops tomorrow, call back and we'll escalate it to a technician."),
        Turn("CUSTOMER", "Will do, bye."),
    ]
    result = summarize_extractive(turns, DEFAULT_SECTIONS)
    assert result["resolved"] == "yes"
    assert any("escalate" in item for item in result["action_items"])  # still a follow-up


def test_a_hand_off_is_not_a_resolution_and_a_polite_goodbye_not_a_good_mood() -> None:
    turns = [
        Turn("CUSTOMER", "My printer says the print limit is reached and I can't print."),
        Turn("AGENT", "Unfortunately I'm not able to change the contract on this call."),
        Turn("CUSTOMER", "So we're stuck for now. That's frustrating."),
        Turn("AGENT", "A supervisor will call you back tomorrow."),
        Turn("CUSTOMER", "Okay, thanks for trying. Have a good day."),
    ]
    result = summarize_extractive(turns, DEFAULT_SECTIONS)
    assert result["resolved"] == "no"
    assert result["customer_sentiment"] == "negative"
    assert result["action_items"] == ["Agent: A supervisor will call you back tomorrow."]


def test_a_dropped_redaction_tag_leaves_no_doubled_comma() -> None:
    assert clean_text("It is [CARD], [CARD], thanks") == "It is, thanks"


def test_the_summary_does_not_open_with_the_greeting() -> None:
    from callrecap.domain.summaries.extractive.text import is_greeting

    turns = [
        Turn("AGENT", "Thank you for calling Northwind Mobile billing, this is Priya."),
        Turn("CUSTOMER", "I was charged twice for my March bill and I want the duplicate refunded."),
        Turn("AGENT", "I can see the duplicate charge and I have refunded it to your card."),
        Turn("CUSTOMER", "Thank you, that is all."),
    ]
    summary = summarize_extractive(turns, DEFAULT_SECTIONS)["summary"]
    assert "Thank you for calling" not in summary and "charged twice" in summary
    assert is_greeting("Hi, this is Sam, how may I help?") and not is_greeting("I want to cancel my plan.")
