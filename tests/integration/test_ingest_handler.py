"""handlers.ingest over moto: Lambda Kinesis events in every inbound format → transcript in
DynamoDB, lifecycle events on the bus (observed through SQS), malformed records in quarantine,
throttled writes in the partial batch response."""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from callrecap.adapters.dynamo.transcripts import DynamoTranscriptStore
from callrecap.adapters.event_bus import EventBridgePublisher
from callrecap.adapters.quarantine import MAX_SQS_BODY, QuarantinedRecord, SqsQuarantine
from callrecap.contracts import CallAttr
from callrecap.domain.models import Speaker
from callrecap.handlers import ingest
from callrecap.settings import EnvVar, SettingsError
from tests.helpers.aws import AwsResources, create_resources
from tests.helpers.context import lambda_context
from tests.helpers.inbound_payloads import chime_metadata_record, chime_tca_record, chime_transcribe_record
from tests.helpers.kinesis import (
    failed_sequence_numbers,
    kinesis_event,
    kinesis_record,
    raw_event,
    sequence_number,
)
from tests.integration.test_dynamo_transcripts import ThrottlingClient

REPO = Path(__file__).resolve().parents[2]
CALL = "lca-call-1"


@pytest.fixture
def aws() -> Iterator[AwsResources]:
    with mock_aws():
        resources = create_resources()
        ingest.set_dependencies(deps(resources))
        yield resources
        ingest.set_dependencies(None)


def deps(aws: AwsResources, *, dynamodb: Any = None, quarantine: Any = None) -> ingest.IngestDependencies:
    return ingest.IngestDependencies(
        store=DynamoTranscriptStore(aws.table_name, client=dynamodb or aws.dynamodb, sleep=lambda _: None),
        publisher=EventBridgePublisher(aws.bus_name, client=aws.events),
        quarantine=quarantine or SqsQuarantine(aws.quarantine_url, client=aws.sqs),
    )


def store(aws: AwsResources) -> DynamoTranscriptStore:
    return DynamoTranscriptStore(aws.table_name, client=aws.dynamodb)


def lca(event_type: str, call: str = CALL, **fields: Any) -> dict[str, Any]:
    return {"EventType": event_type, "CallId": call, "CreatedAt": "2026-03-03T11:30:00.000Z", **fields}


def lca_segment(
    segment_id: str,
    start: float,
    text: str,
    *,
    partial: bool = False,
    channel: str = "AGENT",
    call: str = CALL,
) -> dict[str, Any]:
    return lca(
        "ADD_TRANSCRIPT_SEGMENT",
        call,
        Channel=channel,
        SegmentId=segment_id,
        StartTime=start,
        EndTime=start + 2.0,
        Transcript=text,
        IsPartial=partial,
    )


def detail_types(events: list[dict[str, Any]]) -> list[str]:
    return [event["detail-type"] for event in events]


def handle(event: dict[str, Any]) -> dict[str, Any]:
    return dict(ingest.handler(event, lambda_context()))


def test_lca_call_in_one_batch_yields_ordered_transcript_and_one_start_and_end(aws: AwsResources) -> None:
    event = kinesis_event(
        [
            lca("START", CustomerPhoneNumber="+14155550122", SystemPhoneNumber="+18885550140"),
            lca("UPDATE_AGENT", AgentId="agent-tomas"),
            lca_segment("s2", 5.0, "I'd like to check my order.", channel="CALLER"),
            lca_segment("s1", 1.0, "Thanks for calling, how can I", partial=True),
            lca_segment("s1", 1.0, "Thanks for calling, how can I help?"),
            lca_segment("s1", 1.0, "Thanks for calling, how can I", partial=True),  # late partial
            lca_segment("s2", 5.0, "I'd like to check my order.", channel="CALLER"),  # duplicate
            lca("END"),
        ],
        partition_key=CALL,
    )
    assert handle(event) == {"batchItemFailures": []}

    transcript = store(aws).list_segments(CALL)
    assert [(s.segment_id, s.text, s.is_partial) for s in transcript] == [
        ("s1", "Thanks for calling, how can I help?", False),
        ("s2", "I'd like to check my order.", False),
    ]
    assert [s.speaker for s in transcript] == [Speaker.AGENT, Speaker.CUSTOMER]
    call = store(aws).get_call(CALL)
    assert call is not None
    assert call[CallAttr.STATUS] == "ENDED" and call[CallAttr.AGENT_ID] == "agent-tomas"
    assert call[CallAttr.SEGMENT_COUNT] == 2

    events = aws.bus_events()
    assert detail_types(events) == ["CallStarted", "CallEnded"]
    ended = events[1]["detail"]
    assert ended["callId"] == CALL and ended["schemaVersion"] == "1"
    assert ended["startTime"] and ended["endTime"]

    # the same batch again (a Lambda retry): nothing changes, nothing is published
    assert handle(event) == {"batchItemFailures": []}
    assert aws.bus_events() == []
    assert store(aws).get_call(CALL) == call


class DynamoRequests:
    """Counts the DynamoDB requests a client sends (botocore `before-send`: retries included)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.by_operation: dict[str, int] = {}

    def __enter__(self) -> DynamoRequests:
        self.client.meta.events.register("before-send.dynamodb", self._count)
        return self

    def __exit__(self, *_: object) -> None:
        self.client.meta.events.unregister("before-send.dynamodb", self._count)

    def _count(self, request: Any, **_: Any) -> None:
        operation = request.headers["X-Amz-Target"].decode().rsplit(".", 1)[-1]
        self.by_operation[operation] = self.by_operation.get(operation, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())


def test_ten_interleaved_calls_cost_at_most_5_requests_per_100_segments(aws: AwsResources) -> None:
    """Issue 6's target on the realistic shape: a Kinesis batch of 100 segments from 10 concurrent
    calls. Calls share transactions and their records are read back together."""
    event = kinesis_event(
        lca_segment(f"s{i:02}", float(i), f"line {i} of call {n}", call=f"busy-{n}")
        for i in range(10)
        for n in range(10)
    )
    with DynamoRequests(aws.dynamodb) as requests:
        assert handle(event) == {"batchItemFailures": []}
    assert requests.total <= 5, requests.by_operation
    assert requests.by_operation == {"TransactWriteItems": 2, "BatchGetItem": 1}
    for n in range(10):
        call = store(aws).get_call(f"busy-{n}")
        assert call is not None and call[CallAttr.SEGMENT_COUNT] == 10
        assert len(store(aws).list_segments(f"busy-{n}")) == 10

    with DynamoRequests(aws.dynamodb) as retry:  # Kinesis redelivers the batch: nothing changes
        assert handle(event) == {"batchItemFailures": []}
    assert retry.total <= 5, retry.by_operation


def test_metrics_count_stored_duplicates_and_quarantined(aws: AwsResources, capsys: Any) -> None:
    event = raw_event(
        [
            kinesis_record(lca_segment("a", 1.0, "hello"), sequence_number=sequence_number(0)),
            kinesis_record(lca_segment("a", 1.0, "hello"), sequence_number=sequence_number(1)),
            kinesis_record(None, sequence_number=sequence_number(2), raw_data="%%% not base64 %%%"),
        ]
    )
    handle(event)
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf, "no EMF metrics printed"
    metrics = emf[-1]
    assert metrics["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "callrecap"
    values = {name: metrics[name] for name in ("SegmentsStored", "DuplicatesIgnored", "RecordsQuarantined")}
    assert {name: sum(v) if isinstance(v, list) else v for name, v in values.items()} == {
        "SegmentsStored": 1,
        "DuplicatesIgnored": 1,
        "RecordsQuarantined": 1,
    }


def test_malformed_records_are_quarantined_and_the_batch_goes_on(aws: AwsResources) -> None:
    event = raw_event(
        [
            kinesis_record(lca_segment("a", 1.0, "first"), sequence_number=sequence_number(0)),
            kinesis_record(None, sequence_number=sequence_number(1), raw_data="%%% not base64 %%%"),
            kinesis_record(b"{not json", sequence_number=sequence_number(2), partition_key="pk-2"),
            kinesis_record(
                {"EventType": "SOMETHING_NEW", "CallId": CALL}, sequence_number=sequence_number(3)
            ),
            kinesis_record({"hello": "world"}, sequence_number=sequence_number(4)),
            kinesis_record(lca_segment("b", 3.0, "second"), sequence_number=sequence_number(5)),
        ]
    )
    assert handle(event) == {"batchItemFailures": []}

    assert [s.text for s in store(aws).list_segments(CALL)] == ["first", "second"]
    quarantined = {q["sequenceNumber"]: q for q in aws.quarantined()}
    # seq 3 names its call with an event type nobody knows: ignored and counted, not quarantined
    assert sorted(quarantined) == [sequence_number(i) for i in (1, 2, 4)]
    assert quarantined[sequence_number(1)]["data"] == "%%% not base64 %%%"
    assert quarantined[sequence_number(2)]["partitionKey"] == "pk-2"
    assert all(q["reason"] for q in quarantined.values())
    assert "base64" in quarantined[sequence_number(1)]["reason"]


class BrokenQuarantine:
    def put(self, record: Any) -> None:
        raise ConnectionError("sqs unreachable")


def test_quarantine_failure_reports_the_record_for_retry(aws: AwsResources) -> None:
    ingest.set_dependencies(deps(aws, quarantine=BrokenQuarantine()))
    event = raw_event(
        [
            kinesis_record(lca_segment("a", 1.0, "kept"), sequence_number=sequence_number(0)),
            kinesis_record(b"garbage", sequence_number=sequence_number(1)),
        ]
    )
    response = handle(event)
    assert failed_sequence_numbers(response) == [sequence_number(1)]
    assert [s.text for s in store(aws).list_segments(CALL)] == ["kept"]


def test_throttled_writes_report_only_the_affected_records(aws: AwsResources) -> None:
    ingest.set_dependencies(deps(aws, dynamodb=ThrottlingClient(aws.dynamodb, {"hot-call"})))
    event = raw_event(
        [
            kinesis_record(
                lca_segment("h1", 1.0, "hot one", call="hot-call"), sequence_number=sequence_number(0)
            ),
            kinesis_record(
                lca_segment("c1", 1.0, "cool one", call="cool-call"), sequence_number=sequence_number(1)
            ),
            kinesis_record(
                lca_segment("h2", 2.0, "hot two", call="hot-call"), sequence_number=sequence_number(2)
            ),
            kinesis_record(lca("END", "hot-call"), sequence_number=sequence_number(3)),
            kinesis_record(lca("END", "cool-call"), sequence_number=sequence_number(4)),
        ]
    )
    response = handle(event)

    # the hot call's segments and its END (held back until its transcript is stored)
    assert failed_sequence_numbers(response) == [sequence_number(i) for i in (0, 2, 3)]
    assert [s.text for s in store(aws).list_segments("cool-call")] == ["cool one"]
    assert store(aws).list_segments("hot-call") == []
    assert [e["detail"]["callId"] for e in aws.bus_events()] == ["cool-call"]

    # Kinesis retries from the first failure; throttling is over
    ingest.set_dependencies(deps(aws))
    retry = raw_event(event["Records"])
    assert handle(retry) == {"batchItemFailures": []}
    assert [s.text for s in store(aws).list_segments("hot-call")] == ["hot one", "hot two"]
    assert [(e["detail-type"], e["detail"]["callId"]) for e in aws.bus_events()] == [
        ("CallEnded", "hot-call")
    ]


def test_chime_formats_in_one_lambda_event(aws: AwsResources, shared_data: Path) -> None:
    event = kinesis_event(
        [
            chime_metadata_record(shared_data, as_string=True),
            chime_transcribe_record(
                shared_data, result_id="r-1", text="I was", is_partial=True, start=1.0, end=1.5
            ),
            chime_transcribe_record(
                shared_data, result_id="r-1", text="I was charged twice.", start=1.0, end=2.5, channel="ch_1"
            ),
            chime_tca_record(shared_data),
        ]
    )
    assert handle(event) == {"batchItemFailures": []}

    call_id = "txn-0001"  # Chime sources: the Voice Connector transactionId
    transcript = store(aws).list_segments(call_id)
    assert transcript[0].text == "I was charged twice."
    assert all(not s.is_partial for s in transcript)
    assert len(transcript) == 2  # the Transcribe result and the TCA utterance
    call = store(aws).get_call(call_id)
    assert call is not None
    assert call[CallAttr.FROM_NUMBER] == "+12065550100"
    assert call.get(CallAttr.CATEGORIES)


def test_late_final_on_summarized_call_requests_a_stale_final_summary(aws: AwsResources) -> None:
    handle(kinesis_event([lca("START"), lca_segment("a", 1.0, "hello"), lca("END")]))
    aws.bus_events()
    aws.dynamodb.update_item(  # what the summarizer records after its final summary
        TableName=aws.table_name,
        Key={"pk": {"S": f"CALL#{CALL}"}, "sk": {"S": "META"}},
        UpdateExpression="SET #r = :r",
        ExpressionAttributeNames={"#r": CallAttr.FINAL_SUMMARY_REVISION.value},
        ExpressionAttributeValues={":r": {"N": "1"}},
    )
    handle(kinesis_event([lca_segment("a", 1.0, "hello")], first=10))  # duplicate: still up to date
    assert aws.bus_events() == []

    handle(kinesis_event([lca_segment("b", 4.0, "one more thing")], first=20))

    (requested,) = aws.bus_events()
    assert requested["detail-type"] == "SummaryRequested"
    assert requested["detail"]["kind"] == "final" and requested["detail"]["reason"] == "stale"
    assert requested["detail"]["callId"] == CALL and requested["detail"]["requestedAt"]


def test_recorded_sample_call_replays_into_the_expected_transcript(aws: AwsResources) -> None:
    lines = [json.loads(line) for line in (REPO / "samples" / "order_status.jsonl").read_text().splitlines()]
    kinesis = [line for line in lines if line["source"] == "kinesis"]
    for start in range(0, len(kinesis), 40):
        chunk = kinesis[start : start + 40]
        event = kinesis_event([line["data"] for line in chunk], first=start)
        assert handle(event) == {"batchItemFailures": []}

    call_id = kinesis[0]["data"]["CallId"]
    transcript = store(aws).list_segments(call_id)
    assert transcript and all(not s.is_partial for s in transcript)
    assert transcript == sorted(transcript, key=lambda s: (s.start_time, s.end_time))
    assert detail_types(aws.bus_events()) == ["CallStarted", "CallEnded"]


def test_records_without_times_are_stamped_with_the_current_time(aws: AwsResources) -> None:
    """LCA's CreatedAt (and a Chime record's time) may be missing: the store's clock stands in."""
    now = datetime(2026, 3, 4, 9, 15, tzinfo=UTC)
    clocked = DynamoTranscriptStore(aws.table_name, client=aws.dynamodb, clock=lambda: now)
    ingest.set_dependencies(dataclasses.replace(deps(aws), store=clocked))
    untimed = [
        {k: v for k, v in r.items() if k != "CreatedAt"} for r in (lca("START"), lca_segment("a", 1.0, "hi"))
    ]
    assert handle(kinesis_event([*untimed, {**lca("END"), "CreatedAt": ""}])) == {"batchItemFailures": []}

    stamp = "2026-03-04T09:15:00.000Z"
    call = store(aws).get_call(CALL)
    assert call is not None
    assert (call[CallAttr.STARTED_AT], call[CallAttr.ENDED_AT]) == (stamp, stamp)
    assert [s.created_at for s in store(aws).list_segments(CALL)] == [stamp]
    started, ended = aws.bus_events()
    assert started["detail"]["startTime"] == stamp
    assert (ended["detail"]["startTime"], ended["detail"]["endTime"]) == (stamp, stamp)


def test_logs_carry_the_call_id_and_the_sequence_number(
    aws: AwsResources, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    out = io.StringIO()  # Powertools' handler holds the stdout of import time: point it here
    monkeypatch.setattr(ingest.logger.registered_handler, "stream", out)
    # Other tests (the local stack) may have raised the level of the shared logger: this test is
    # about what an INFO line carries, so it sets the level it reads at.
    previous_level = ingest.logger.log_level
    ingest.logger.setLevel("INFO")
    request.addfinalizer(lambda: ingest.logger.setLevel(previous_level))
    handle(
        raw_event(
            [
                kinesis_record(lca("START"), sequence_number=sequence_number(0)),
                kinesis_record(b"{not json", sequence_number=sequence_number(1)),
            ]
        )
    )
    logs = [json.loads(line) for line in out.getvalue().splitlines()]
    by_message = {entry["message"]: entry for entry in logs}
    assert by_message["call started"]["callId"] == CALL
    quarantined = by_message["malformed record quarantined"]
    assert quarantined["sequenceNumber"] == sequence_number(1) and "JSON" in quarantined["reason"]
    assert "callId" not in quarantined  # the call context does not leak past its record


@pytest.mark.parametrize(("agent_channel", "ch_0_speaker"), [("ch_0", Speaker.AGENT), ("", Speaker.CUSTOMER)])
def test_agent_channel_setting_maps_transcribe_channels(
    aws: AwsResources,
    shared_data: Path,
    monkeypatch: pytest.MonkeyPatch,
    agent_channel: str,
    ch_0_speaker: Speaker,
) -> None:
    """Built from the environment like in Lambda: CALLRECAP_AGENT_CHANNEL reaches the parser."""
    monkeypatch.setenv(EnvVar.TABLE_NAME.value, aws.table_name)
    monkeypatch.setenv(EnvVar.EVENT_BUS_NAME.value, aws.bus_name)
    monkeypatch.setenv(EnvVar.QUARANTINE_QUEUE_URL.value, aws.quarantine_url)
    monkeypatch.setenv(EnvVar.AGENT_CHANNEL.value, agent_channel)
    ingest.set_dependencies(None)
    event = kinesis_event(
        [
            chime_transcribe_record(shared_data, result_id="r-0", channel="ch_0", start=1.0, end=2.0),
            chime_transcribe_record(shared_data, result_id="r-1", channel="ch_1", start=3.0, end=4.0),
        ]
    )
    assert handle(event) == {"batchItemFailures": []}
    assert [s.speaker for s in store(aws).list_segments("txn-0001")] == [
        ch_0_speaker,
        Speaker.CUSTOMER if ch_0_speaker is Speaker.AGENT else Speaker.AGENT,
    ]


def test_an_unknown_agent_channel_fails_at_cold_start(monkeypatch: pytest.MonkeyPatch) -> None:
    for var, value in (
        (EnvVar.TABLE_NAME, "t"),
        (EnvVar.EVENT_BUS_NAME, "b"),
        (EnvVar.QUARANTINE_QUEUE_URL, "q"),
    ):
        monkeypatch.setenv(var.value, value)
    monkeypatch.setenv(EnvVar.AGENT_CHANNEL.value, "left")
    ingest.set_dependencies(None)
    with pytest.raises(SettingsError, match="CALLRECAP_AGENT_CHANNEL must be one of ch_0, ch_1, got 'left'"):
        ingest.handler({"Records": []}, lambda_context())
    ingest.set_dependencies(None)


def test_a_record_too_big_for_sqs_is_quarantined_without_its_payload(aws: AwsResources) -> None:
    big = "A" * (MAX_SQS_BODY + 10)  # Kinesis allows 1 MiB before base64; SQS bodies stop at 1 MiB
    quarantine = SqsQuarantine(aws.quarantine_url, client=aws.sqs)
    quarantine.put(
        QuarantinedRecord(sequence_number="seq-9", partition_key="pk", data=big, reason="not JSON")
    )
    (kept,) = aws.quarantined()
    assert kept["sequenceNumber"] == "seq-9" and kept["reason"] == "not JSON"
    assert (kept["data"], kept["dataTruncated"], kept["dataLength"]) == ("", True, len(big))


class FirstPublishFails:
    """A bus that refuses the first event it is given (CallStarted), then works."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.refused = 0

    def publish(self, event: Any, detail: dict[str, Any]) -> None:
        if not self.refused:
            self.refused += 1
            raise ConnectionError("events unreachable")
        self.inner.publish(event, detail)


def test_the_end_waits_when_the_start_of_the_same_call_was_not_announced(aws: AwsResources) -> None:
    """Without the hold, CallEnded would reach the bus in this batch and CallStarted only on the
    retry, after it."""
    publisher = FirstPublishFails(EventBridgePublisher(aws.bus_name, client=aws.events))
    dependencies = deps(aws)
    ingest.set_dependencies(
        ingest.IngestDependencies(
            store=dependencies.store, publisher=publisher, quarantine=dependencies.quarantine
        )
    )
    records = [
        kinesis_record(lca("START"), sequence_number=sequence_number(0)),
        kinesis_record(lca_segment("s1", 1.0, "Hello."), sequence_number=sequence_number(1)),
        kinesis_record(lca("END"), sequence_number=sequence_number(2)),
    ]
    first = handle(raw_event(records))
    assert failed_sequence_numbers(first) == [sequence_number(0), sequence_number(2)]
    assert aws.bus_events() == []  # neither event out of order
    assert handle(raw_event(records)) == {"batchItemFailures": []}  # Kinesis retries the batch
    assert detail_types(aws.bus_events()) == ["CallStarted", "CallEnded"]


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (lca("START", call="c" * 2100), "call id of"),  # over DynamoDB's 2,048-byte partition key
        (lca_segment("s" * 1100, 1.0, "hello"), "segment id of"),  # over the 1,024-byte sort key
        (lca_segment("big", 1.0, "word " * 90_000), "a DynamoDB item holds at most"),  # ~450 KB
    ],
    ids=["call-id", "segment-id", "item-size"],
)
def test_a_record_dynamodb_can_never_store_is_quarantined_and_the_shard_goes_on(
    aws: AwsResources, record: dict[str, Any], reason: str
) -> None:
    """Without the check it fails with a ValidationException on every retry and holds its shard
    for the whole retry budget (moto refuses these exactly as DynamoDB does)."""
    event = raw_event(
        [
            kinesis_record(record, sequence_number=sequence_number(0)),
            kinesis_record(lca_segment("ok", 2.0, "still stored"), sequence_number=sequence_number(1)),
        ]
    )
    assert handle(event) == {"batchItemFailures": []}
    (quarantined,) = aws.quarantined()
    assert quarantined["sequenceNumber"] == sequence_number(0)
    assert quarantined["reason"].startswith("cannot be stored") and reason in quarantined["reason"]
    assert [s.text for s in store(aws).list_segments(CALL)] == ["still stored"]


def test_with_redact_stored_transcript_no_segment_is_stored_with_the_numbers(aws: AwsResources) -> None:
    """redactStoredTranscript: partials and finals are stored (and pushed) with the tags."""
    from callrecap.domain.privacy.pii import ALL_ENTITIES

    ingest.set_dependencies(dataclasses.replace(deps(aws), redact=ALL_ENTITIES))
    card = "four one one one, one one one one, one one one one, one one one one"
    event = kinesis_event(
        [
            lca("START"),
            lca_segment("s1", 1.0, f"my new card is {card}", partial=True, channel="CALLER"),
            lca_segment("s1", 1.0, f"my new card is {card}, and my cell is (206) 555-0142", channel="CALLER"),
        ],
        partition_key=CALL,
    )
    try:
        assert handle(event) == {"batchItemFailures": []}
    finally:
        ingest.set_dependencies(None)
    store = DynamoTranscriptStore(aws.table_name, client=aws.dynamodb)
    texts = [s.text for s in store.list_segments(CALL)]
    assert texts == ["my new card is [CARD], and my cell is [PHONE]"]
    assert not any("one one" in t or "0142" in t for t in texts)


def test_a_language_a_result_reports_is_kept_on_the_call(aws: AwsResources, shared_data: Path) -> None:
    """Transcribe with language identification names each result's LanguageCode: the first one
    becomes the call's `languageCode` (what the summary is written in without summaryLanguage)."""
    first = chime_transcribe_record(shared_data, result_id="r-1", text="Hola, buenas tardes.")
    first["TranscriptEvent"]["Transcript"]["Results"][0]["LanguageCode"] = "es-US"
    later = chime_transcribe_record(shared_data, result_id="r-2", text="Gracias.", start=3.0, end=4.0)
    later["TranscriptEvent"]["Transcript"]["Results"][0]["LanguageCode"] = "en-US"
    assert handle(kinesis_event([first])) == {"batchItemFailures": []}
    assert handle(kinesis_event([later], first=1)) == {"batchItemFailures": []}
    call = store(aws).get_call("txn-0001")
    assert call is not None and call[CallAttr.LANGUAGE_CODE.value] == "es-US"


def test_a_language_the_producer_names_on_start_is_kept_on_the_call(aws: AwsResources) -> None:
    """A producer of our own may name the call's language on START (LCA's do not)."""
    event = kinesis_event(
        [lca("START", LanguageCode="de-DE"), lca_segment("s1", 1.0, "Guten Tag.", channel="CALLER")],
        partition_key=CALL,
    )
    assert handle(event) == {"batchItemFailures": []}
    call = store(aws).get_call(CALL)
    assert call is not None and call[CallAttr.LANGUAGE_CODE.value] == "de-DE"
