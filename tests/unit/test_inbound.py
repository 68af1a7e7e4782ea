"""The facade: base64, bytes and JSON-level errors, format detection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callrecap.domain.models import CallDetailsObserved, CallStartObserved, CategoryMatched, Segment
from callrecap.domain.transcripts.inbound import MalformedRecord, decode_kinesis_data, parse_kinesis_record
from tests.helpers.inbound_payloads import (
    b64,
    chime_metadata_record,
    chime_tca_record,
    chime_transcribe_record,
)


def test_decode_round_trip() -> None:
    record = {"EventType": "END", "CallId": "c"}
    data = decode_kinesis_data(b64(record), "seq-1")
    assert parse_kinesis_record(data, record_id="seq-1")


@pytest.mark.parametrize("bad", ["not base64!!", "SGVsbG8", "SGVsbG8=\n=="])
def test_bad_base64(bad: str) -> None:
    with pytest.raises(MalformedRecord) as info:
        decode_kinesis_data(bad, "seq-3")
    assert info.value.record_id == "seq-3"
    assert "base64" in info.value.reason


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"Hello, this is a test.", "not JSON"),
        (b"", "not JSON"),
        (b"[1, 2]", "must be a JSON object, got list"),
        (b'"text"', "must be a JSON object, got str"),
        (b"null", "must be a JSON object, got NoneType"),
        (b'{"hello": 1}', "unknown format"),
    ],
)
def test_undecodable_records(data: bytes, reason: str) -> None:
    with pytest.raises(MalformedRecord) as info:
        parse_kinesis_record(data, record_id="seq-5")
    assert reason in info.value.reason
    assert str(info.value).startswith("malformed record seq-5: ")


def test_the_documented_lambda_kinesis_payloads_are_malformed(shared_data: Path) -> None:
    event = json.loads((shared_data / "aws-events" / "lambda_kinesis_data_streams_event.json").read_text())
    for record in event["Records"]:
        data = decode_kinesis_data(record["kinesis"]["data"], record["kinesis"]["sequenceNumber"])
        with pytest.raises(MalformedRecord, match="not JSON"):
            parse_kinesis_record(data, record_id=record["kinesis"]["sequenceNumber"])


def test_malformed_record_is_a_value_error() -> None:
    error = MalformedRecord("r1", "why")
    assert isinstance(error, ValueError)
    assert (error.record_id, error.reason) == ("r1", "why")


def test_lambda_kinesis_event_carrying_every_format(shared_data: Path) -> None:
    """Records shaped like the documented Lambda Kinesis event, one per inbound format."""

    documented = json.loads(
        (shared_data / "aws-events" / "lambda_kinesis_data_streams_event.json").read_text()
    )
    template = documented["Records"][0]
    payloads = [
        chime_metadata_record(shared_data),
        chime_transcribe_record(shared_data),
        chime_tca_record(shared_data),
        {"EventType": "START", "CallId": "lca-1", "CreatedAt": "2026-03-01T10:00:00Z"},
        {
            "EventType": "ADD_TRANSCRIPT_SEGMENT",
            "CallId": "lca-1",
            "Channel": "AGENT",
            "SegmentId": "s1",
            "StartTime": 0.5,
            "EndTime": 1.5,
            "Transcript": "Hello.",
            "IsPartial": False,
        },
    ]
    kinds: list[type] = []
    for index, payload in enumerate(payloads):
        record = json.loads(json.dumps(template))
        record["kinesis"]["data"] = b64(payload)
        record["kinesis"]["sequenceNumber"] = f"4959{index:04d}"
        kinesis = record["kinesis"]
        data = decode_kinesis_data(kinesis["data"], kinesis["sequenceNumber"])
        kinds += [type(obs) for obs in parse_kinesis_record(data, record_id=kinesis["sequenceNumber"])]
    assert kinds == [CallDetailsObserved, Segment, Segment, CategoryMatched, CallStartObserved, Segment]
