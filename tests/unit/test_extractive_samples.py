"""The extractive summarizer on the project's own calls, whose truth we know because we wrote them.

Each row says what a reader of the call would write: a word the topic must contain, whether the
issue was resolved, the customer's sentiment weighted towards the end (a set where the call is
honestly mixed: a complaint that ends in thanks). Calibrated on these calls, with general cue
lists in domain/summaries/extractive/ rather than phrases copied from them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from callrecap.domain.models import SectionSpec, SectionType
from callrecap.domain.summaries.extractive import summarize_extractive
from callrecap_local.transcript_files import read_transcript

ROOT = Path(__file__).resolve().parents[2]

SECTIONS = [
    SectionSpec("summary", "Summarize the call."),
    SectionSpec("topic", "Main topic."),
    SectionSpec("action_items", "Follow-ups.", SectionType.LIST),
    SectionSpec("resolved", "Resolved?", SectionType.ENUM, ("yes", "no", "unclear")),
    SectionSpec("customer_sentiment", "Mood.", SectionType.ENUM, ("positive", "neutral", "negative")),
]

MIXED = frozenset({"neutral", "positive"})

# file, words of which the topic must contain one, resolved, sentiments accepted, action item word
TRUTH = [
    ("samples/billing_dispute.jsonl", {"charged", "bill"}, "yes", MIXED, "refund"),
    ("samples/cancellation_retention.jsonl", {"cancel"}, "yes", {"positive"}, "email"),
    ("samples/long_business_migration.jsonl", {"moving", "move"}, "yes", {"positive"}, "label"),
    ("samples/order_status.jsonl", {"order", "delivery"}, "yes", MIXED, "saturday"),
    ("samples/technical_support.jsonl", {"wi-fi", "dropping"}, "yes", {"positive"}, "monitor"),
    ("samples/unresolved_complaint.jsonl", {"technician"}, "no", {"negative"}, "supervisor"),
    ("tests/e2e/data/router_reset.jsonl", {"internet", "dropping"}, "yes", {"positive"}, "technician"),
    ("shared:calls/Retail41.transcribe_batch_output.json", {"copier", "print"}, "no", {"negative"}, None),
]

NAMES = {"priya", "daniel", "dana", "martin", "helen", "sam", "tomas", "grace", "aisha", "marcus"}
NAMES |= {"lena", "robert", "jordan", "joan", "benjamin"}
GREETINGS = re.compile(r"\b(?:hi|hello|thanks|thank you|calling)\b", re.IGNORECASE)


def _path(name: str, shared_data: Path) -> Path:
    return shared_data / name.removeprefix("shared:") if name.startswith("shared:") else ROOT / name


@pytest.mark.parametrize(("name", "topic_words", "resolved", "sentiments", "action_word"), TRUTH)
def test_sections_match_what_the_call_says(
    shared_data: Path,
    name: str,
    topic_words: set[str],
    resolved: str,
    sentiments: set[str],
    action_word: str | None,
) -> None:
    turns = read_transcript(_path(name, shared_data)).turns
    result = summarize_extractive(turns, SECTIONS)

    topic = result["topic"]
    words = set(re.findall(r"[a-z][a-z'-]*", topic.lower()))
    assert words & topic_words, topic
    assert 2 <= len(topic.split()) <= 8 and topic[0].isupper(), topic
    assert not words & NAMES and not GREETINGS.search(topic), topic
    assert result["resolved"] == resolved
    assert result["customer_sentiment"] in sentiments
    if action_word:
        assert any(action_word in item.lower() for item in result["action_items"]), result["action_items"]
    assert len(result["action_items"]) <= 5
