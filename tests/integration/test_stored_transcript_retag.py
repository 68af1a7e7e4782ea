"""redactStoredTranscript after the call, over moto: a card number read out over several
segments is stored in pieces by ingest (no segment holds a number), then tagged in the table by
the summarizer's final run; the rewrite moves the call's write cursor (pages see it), keeps a
newer text, and a redelivered original stays a duplicate."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from moto import mock_aws

from callrecap.adapters.dynamo.summaries import DynamoSummaryStore
from callrecap.adapters.dynamo.transcripts import DynamoTranscriptStore
from callrecap.adapters.event_bus import EventBridgePublisher
from callrecap.contracts import CallAttr
from callrecap.domain.models import CallDetails, Segment, Speaker
from callrecap.domain.ports import TextChange
from callrecap.domain.privacy.pii import ALL_ENTITIES, redact
from callrecap.domain.privacy.stored_retag import retag_stored_transcript
from callrecap.domain.summaries.runs import SummaryService
from callrecap.handlers import summarizer
from tests.helpers.aws import AwsResources, create_resources
from tests.helpers.context import lambda_context
from tests.integration.test_summary_pipeline import bus_envelope, extractive_engine

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics")

CALL = "call-card"
START = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)
LINES = [
    (Speaker.AGENT, "What is the new card number?"),
    (Speaker.CUSTOMER, "It's four one one one"),
    (Speaker.AGENT, "okay"),
    (Speaker.CUSTOMER, "one one one one"),
    (Speaker.AGENT, "mm-hmm"),
    (Speaker.CUSTOMER, "one one one one"),
    (Speaker.AGENT, "go on"),
    (Speaker.CUSTOMER, "one one one one"),
    (Speaker.AGENT, "Thanks, the card on file is updated."),
]


@pytest.fixture
def aws() -> Iterator[AwsResources]:
    with mock_aws():
        yield create_resources()
    summarizer.set_dependencies(None)


def stored_in_pieces(aws: AwsResources) -> DynamoTranscriptStore:
    """What ingest stores with redactStoredTranscript on: each segment redacted on its own."""
    store = DynamoTranscriptStore(aws.table_name, client=aws.dynamodb)
    store.mark_started(CallDetails(call_id=CALL), START.isoformat())
    store.put_segments([segment(i, redact(text).text) for i, (_, text) in enumerate(LINES)])
    return store


def segment(index: int, text: str) -> Segment:
    speaker = LINES[index][0]
    return Segment(CALL, f"seg-{index}", speaker, index * 2.0, index * 2.0 + 1.5, text, False, source="test")


def texts(store: DynamoTranscriptStore) -> list[str]:
    return [s.text for s in store.list_segments(CALL)]


def test_the_pieces_are_tagged_and_pages_see_the_change(aws: AwsResources) -> None:
    store = stored_in_pieces(aws)
    assert "one one one one" in texts(store)  # ingest could not know
    _, cursor = store.list_segments_since(CALL, None)

    assert retag_stored_transcript(store, CALL, ALL_ENTITIES) == 4

    after = texts(store)
    assert after[1] == "It's [CARD]" and after[3] == after[5] == after[7] == "[CARD]"
    assert after[0] == LINES[0][1] and after[8] == LINES[8][1]
    changed, _ = store.list_segments_since(CALL, cursor)  # a page polling since before the rewrite
    assert sorted(s.segment_id for s in changed) == ["seg-1", "seg-3", "seg-5", "seg-7"]
    record = store.get_call(CALL)
    assert record is not None and record[CallAttr.TRANSCRIPT_REVISION.value] == 1  # not a new transcript
    assert retag_stored_transcript(store, CALL, ALL_ENTITIES) == 0  # nothing left to do

    # The original final delivered again (Kinesis retries) stays a duplicate: no digits come back.
    outcome = store.put_segments([segment(3, "one one one one")])
    assert outcome.ignored == 1 and texts(store)[3] == "[CARD]"


def test_a_text_changed_since_it_was_read_keeps_the_newer_one(aws: AwsResources) -> None:
    store = stored_in_pieces(aws)
    stale = TextChange("seg-3", "not what is stored", "[CARD]")
    fresh = TextChange("seg-5", "one one one one", "[CARD]")
    assert store.rewrite_segment_texts(CALL, [stale, fresh]) == 1
    assert texts(store)[3] == "one one one one" and texts(store)[5] == "[CARD]"


def test_the_summarizer_retags_after_the_final_when_asked(aws: AwsResources) -> None:
    store = stored_in_pieces(aws)
    summaries = DynamoSummaryStore(aws.table_name, client=aws.dynamodb)
    service = SummaryService(
        transcripts=store,
        summaries=summaries,
        publisher=EventBridgePublisher(aws.bus_name, client=aws.events),
        engine=extractive_engine(),
    )
    summarizer.set_dependencies(
        summarizer.SummarizerDependencies(service=service, stored_redaction=ALL_ENTITIES, rewriter=store)
    )
    result = summarizer.handler(bus_envelope("CallEnded", {"callId": CALL}), lambda_context())  # type: ignore[arg-type]
    assert result["action"] == "completed"
    assert not any("one one" in text for text in texts(store))
    (summary,) = summaries.list_summaries(CALL)
    assert summary.pii_redactions == {"CARD": 1}


def test_without_the_setting_the_table_keeps_what_was_said(aws: AwsResources) -> None:
    store = stored_in_pieces(aws)
    service = SummaryService(
        transcripts=store,
        summaries=DynamoSummaryStore(aws.table_name, client=aws.dynamodb),
        publisher=EventBridgePublisher(aws.bus_name, client=aws.events),
        engine=extractive_engine(),
    )
    summarizer.set_dependencies(summarizer.SummarizerDependencies(service=service, rewriter=store))
    summarizer.handler(bus_envelope("CallEnded", {"callId": CALL}), lambda_context())  # type: ignore[arg-type]
    assert texts(store)[3] == "one one one one"
