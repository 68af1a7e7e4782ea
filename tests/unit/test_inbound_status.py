"""Chime VoiceConnector Streaming Status events (EventBridge, aws.chime), per call leg."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from callrecap.domain.models import CallDetailsObserved, CallEndObserved, CallStartObserved
from callrecap.domain.transcripts.inbound import MalformedRecord, is_caller_leg, parse_lifecycle_event
from tests.helpers.inbound_payloads import aws_event


def status_event(shared_data: Path, status: str) -> dict[str, Any]:
    return aws_event(shared_data, f"chime_voiceconnector_streaming_status_{status}.json")


def test_started(shared_data: Path) -> None:
    observed = parse_lifecycle_event(status_event(shared_data, "started"))
    assert isinstance(observed, CallStartObserved)
    details = observed.details
    assert details.call_id == details.transaction_id == "12345678-1234-1234"
    assert details.voice_connector_id == "abcdef1ghij2klmno3pqr4"
    assert (details.from_number, details.to_number, details.direction) == (
        "+12065550100",
        "+13605550199",
        "Outbound",
    )
    assert observed.at == "yyyy-mm-ddThh:mm:ssZ"
    assert observed.source == "chime-voice-connector"


def test_ended(shared_data: Path) -> None:
    observed = parse_lifecycle_event(status_event(shared_data, "ended"))
    assert isinstance(observed, CallEndObserved)
    assert observed.details.call_id == "12345678-1234-1234"
    assert observed.details.direction == "Inbound"


def test_failed_is_an_end(shared_data: Path) -> None:
    event = status_event(shared_data, "failed")
    event["detail"]["failTime"] = "2026-03-01T10:05:00Z"
    observed = parse_lifecycle_event(event)
    assert isinstance(observed, CallEndObserved)
    assert observed.at == "2026-03-01T10:05:00Z"
    assert observed.details.voice_connector_id == "abcdefghi"


def test_updated_is_details(shared_data: Path) -> None:
    observed = parse_lifecycle_event(status_event(shared_data, "updated"))
    assert isinstance(observed, CallDetailsObserved)
    assert observed.details.call_id == "12345678-1234-1234"


def test_both_legs_map_to_one_call(shared_data: Path) -> None:
    callee = status_event(shared_data, "started")
    caller = copy.deepcopy(callee)
    caller["id"] = "other-event-id"
    caller["detail"]["isCaller"] = True
    caller["detail"]["callId"] = "other-sip-call-id"
    first, second = parse_lifecycle_event(caller), parse_lifecycle_event(callee)
    assert isinstance(first, CallStartObserved)
    assert isinstance(second, CallStartObserved)
    assert first.details == second.details
    assert (is_caller_leg(caller), is_caller_leg(callee)) == (True, False)


def test_unknown_status_is_none(shared_data: Path) -> None:
    event = status_event(shared_data, "started")
    event["detail"]["streamingStatus"] = "PAUSED"
    assert parse_lifecycle_event(event) is None


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda e: e.update(source="aws.s3"), "source='aws.s3'"),
        (lambda e: e.update({"detail-type": "Something Else"}), "detail-type='Something Else'"),
        (lambda e: e.pop("detail"), "missing field detail"),
        (lambda e: e.update(detail="x"), "detail must be a JSON object"),
        (lambda e: e["detail"].pop("transactionId"), "missing field detail.transactionId"),
        (lambda e: e["detail"].pop("streamingStatus"), "missing field detail.streamingStatus"),
        (lambda e: e["detail"].update(fromNumber=12065550100), "detail.fromNumber must be a string"),
    ],
)
def test_wrong_envelopes(shared_data: Path, mutate: Any, reason: str) -> None:
    event = status_event(shared_data, "started")
    mutate(event)
    with pytest.raises(MalformedRecord) as info:
        parse_lifecycle_event(event)
    assert reason in info.value.reason
    assert info.value.record_id == "12345678-1234-1234-1234-111122223333"


def test_other_documented_envelope_is_rejected(shared_data: Path) -> None:
    with pytest.raises(MalformedRecord):
        parse_lifecycle_event(aws_event(shared_data, "eventbridge_scheduled_event.json"))
