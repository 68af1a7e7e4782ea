"""Amazon Connect Contact Lens real-time voice segment streams, following AWS's data model
("Data model for conversational analytics segment streams to analyze voice contacts in Contact
Lens"); the events below are written for this project in that shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

from callrecap.domain.models import (
    CallEndObserved,
    CallStartObserved,
    CategoryMatched,
    ProducerSummaryObserved,
    RecordIgnored,
    Segment,
    Speaker,
)
from callrecap.domain.transcripts.inbound import MalformedRecord, parse_kinesis_record

CONTACT = "c0ffee00-1111-4222-8333-444455556666"
INSTANCE_ARN = "arn:aws:connect:us-east-1:111122223333:instance/0a0b0c0d-1111-2222-3333-444455556666"


def event(event_type: str, **fields: Any) -> dict[str, Any]:
    return {
        "Version": "1.0.0",
        "Channel": "VOICE",
        "AccountId": "111122223333",
        "InstanceId": "0a0b0c0d-1111-2222-3333-444455556666",
        "ContactId": CONTACT,
        "LanguageCode": "en-GB",
        "EventType": event_type,
        **fields,
    }


def parse(record: dict[str, Any]) -> list[Any]:
    return parse_kinesis_record(json.dumps(record).encode(), record_id="cl-1")


def utterance(piece_id: str, transcript_id: str, text: str, begin: int, end: int) -> dict[str, Any]:
    return {
        "Utterance": {
            "Id": piece_id,
            "TranscriptId": transcript_id,
            "ParticipantId": "AGENT",
            "ParticipantRole": "AGENT",
            "PartialContent": text,
            "BeginOffsetMillis": begin,
            "EndOffsetMillis": end,
        }
    }


def transcript(
    transcript_id: str, role: str, text: str, begin: int, end: int, **extra: Any
) -> dict[str, Any]:
    return {
        "Transcript": {
            "Id": transcript_id,
            "ParticipantId": role,
            "ParticipantRole": role,
            "Content": text,
            "BeginOffsetMillis": begin,
            "EndOffsetMillis": end,
            **extra,
        }
    }


def test_started_is_the_call_start_with_its_language() -> None:
    (start,) = parse(event("STARTED"))
    assert isinstance(start, CallStartObserved)
    assert (start.details.call_id, start.details.language_code, start.source) == (
        CONTACT,
        "en-GB",
        "contact-lens",
    )


@pytest.mark.parametrize("event_type", ["COMPLETED", "FAILED"])
def test_completed_or_failed_ends_the_call(event_type: str) -> None:
    (end,) = parse(event(event_type))
    assert isinstance(end, CallEndObserved) and end.details.call_id == CONTACT


def test_utterance_pieces_of_one_transcript_become_one_partial_keyed_by_the_transcript() -> None:
    observed = parse(
        event(
            "SEGMENTS",
            Segments=[
                utterance("p-1", "t-1", "Hello, thanks for calling.", 19010, 22980),
                utterance("p-2", "t-1", "How can I help?", 23000, 24598),
            ],
        )
    )
    (partial,) = observed
    assert isinstance(partial, Segment) and partial.is_partial
    assert (partial.segment_id, partial.speaker, partial.text) == (
        "t-1",
        Speaker.AGENT,
        "Hello, thanks for calling. How can I help?",
    )
    assert (partial.start_time, partial.end_time) == (19.01, 24.598)


def test_the_final_replaces_its_partials_and_carries_the_sentiment() -> None:
    (partial,) = parse(event("SEGMENTS", Segments=[utterance("p-1", "t-2", "My parcel", 30000, 31000)]))
    (final,) = parse(
        event(
            "SEGMENTS",
            Segments=[
                utterance("p-2", "t-2", "never came", 31000, 32000),
                transcript("t-2", "CUSTOMER", "My parcel never came.", 30000, 32100, Sentiment="NEGATIVE"),
            ],
        )
    )
    assert isinstance(final, Segment) and not final.is_partial
    assert final.segment_id == partial.segment_id == "t-2"  # the store lets the final replace it
    assert (final.speaker, final.sentiment, final.text) == (
        Speaker.CUSTOMER,
        "NEGATIVE",
        "My parcel never came.",
    )


def test_categories_and_connects_own_summary() -> None:
    observed = parse(
        event(
            "SEGMENTS",
            Segments=[
                {"Categories": {"MatchedCategories": ["delivery-issue"], "MatchedDetails": {}}},
                {
                    "PostContactSummary": {
                        "Content": "Customer reported a missing parcel.",
                        "Status": "COMPLETED",
                    }
                },
            ],
        )
    )
    assert observed[0] == CategoryMatched(CONTACT, ("delivery-issue",), at="", source="contact-lens")
    assert observed[1] == ProducerSummaryObserved(
        CONTACT, "Customer reported a missing parcel.", "COMPLETED", at="", source="contact-lens"
    )


def test_a_failed_summary_is_kept_as_failed_and_its_transcript_is_not_lost() -> None:
    """API_RealTimeContactAnalysisSegmentPostContactSummary (Connect API reference): Status is
    required, Content and FailureCode optional; a FAILED summary has no Content."""
    observed = parse(
        event(
            "SEGMENTS",
            Segments=[
                transcript("t-1", "AGENT", "Thanks for calling.", 0, 900),
                {"PostContactSummary": {"Status": "FAILED", "FailureCode": "QUOTA_EXCEEDED"}},
            ],
        )
    )
    assert isinstance(observed[0], Segment) and observed[0].text == "Thanks for calling."
    assert observed[1] == ProducerSummaryObserved(
        CONTACT, "", "FAILED", at="", source="contact-lens", failure_code="QUOTA_EXCEEDED"
    )


def test_supervisor_system_and_bot_are_named_speakers_and_unknown_segments_are_counted() -> None:
    supervisor, system, bot, other, ignored = parse(
        event(
            "SEGMENTS",
            Segments=[
                transcript("t-6", "SUPERVISOR", "I can approve that credit.", 0, 900),
                transcript("t-7", "SYSTEM", "Please hold.", 1000, 1900),
                transcript("t-8", "CUSTOM_BOT", "Say billing or support.", 2000, 2900),
                transcript("t-9", "OBSERVER", "Noted.", 3000, 3900),
                {"Issue": {"x": 1}},
            ],
        )
    )
    assert isinstance(supervisor, Segment) and supervisor.speaker is Speaker.SUPERVISOR
    assert isinstance(system, Segment) and (system.speaker, system.channel) == (Speaker.SYSTEM, "SYSTEM")
    assert isinstance(bot, Segment) and (bot.speaker, bot.channel) == (Speaker.BOT, "CUSTOM_BOT")
    assert isinstance(other, Segment) and (other.speaker, other.channel) == (Speaker.UNKNOWN, "OBSERVER")
    assert isinstance(ignored, RecordIgnored) and "Issue" in ignored.what


def test_a_chat_contact_is_ignored_and_counted() -> None:
    (ignored,) = parse({**event("SEGMENTS", Segments=[]), "Channel": "CHAT"})
    assert isinstance(ignored, RecordIgnored)


@pytest.mark.parametrize(
    ("segments", "reason"),
    [
        (
            [transcript("t-1", "AGENT", "x", 10, 20) | {"Transcript": {"Id": "t-1"}}],
            "missing field Segments[0].Transcript.ParticipantRole",
        ),
        ([{"Utterance": {"Id": "p"}}], "missing field Segments[0].Utterance.TranscriptId"),
        (["nope"], "Segments[0] must be a JSON object"),
    ],
)
def test_unreadable_speech_is_malformed(segments: list[Any], reason: str) -> None:
    with pytest.raises(MalformedRecord, match=reason.replace("[", r"\[").replace("]", r"\]")):
        parse(event("SEGMENTS", Segments=segments))


def contact_event(event_type: str = "CONNECTED_TO_AGENT", **detail: Any) -> dict[str, Any]:
    """An "Amazon Connect Contact Event" envelope as AWS's contact events data model describes it."""
    return {
        "version": "0",
        "id": "6f0c8a4e-0000-4000-8000-000000000001",
        "detail-type": "Amazon Connect Contact Event",
        "source": "aws.connect",
        "account": "111122223333",
        "time": "2026-02-03T18:00:05Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "eventType": event_type,
            "contactId": CONTACT,
            "initialContactId": CONTACT,
            "channel": "VOICE",
            "instanceArn": INSTANCE_ARN,
            "initiationMethod": "INBOUND",
            "agentInfo": {"agentArn": f"{INSTANCE_ARN}/agent/9f8e7d6c-aaaa-4bbb-8ccc-ddddeeeeffff"},
            **detail,
        },
    }


def test_connected_to_agent_names_the_contacts_agent() -> None:
    from callrecap.domain.models import CallDetailsObserved
    from callrecap.domain.transcripts.inbound import parse_lifecycle_event

    observed = parse_lifecycle_event(contact_event())
    assert isinstance(observed, CallDetailsObserved)
    assert (observed.details.call_id, observed.details.agent_id) == (
        CONTACT,
        "9f8e7d6c-aaaa-4bbb-8ccc-ddddeeeeffff",
    )


@pytest.mark.parametrize("overrides", [{"eventType": "QUEUED"}, {"channel": "CHAT"}])
def test_other_contact_events_ask_nothing(overrides: dict[str, Any]) -> None:
    from callrecap.domain.transcripts.inbound import parse_lifecycle_event

    assert parse_lifecycle_event(contact_event(**overrides)) is None


def test_a_contact_event_without_an_agent_arn_is_malformed() -> None:
    from callrecap.domain.transcripts.inbound import parse_lifecycle_event

    with pytest.raises(MalformedRecord, match="agentArn"):
        parse_lifecycle_event(contact_event(agentInfo={"agentArn": "arn:aws:connect:::instance/x"}))


def test_connected_to_agent_also_names_the_queue() -> None:
    from callrecap.domain.transcripts.inbound import parse_lifecycle_event

    observed = parse_lifecycle_event(
        contact_event(queueInfo={"queueArn": f"{INSTANCE_ARN}/queue/q-billing", "queueType": "STANDARD"})
    )
    assert observed is not None and observed.details.queue == "q-billing"
