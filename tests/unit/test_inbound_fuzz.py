"""Property tests: whatever arrives, the parser returns observations or raises MalformedRecord.

Anything else (KeyError, TypeError, OverflowError...) would escape the ingest handler's
quarantine path and fail a whole Kinesis batch, so this is the property that matters most.
"""

from __future__ import annotations

import contextlib
import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callrecap.domain.transcripts.inbound import (
    MalformedRecord,
    decode_kinesis_data,
    parse_kinesis_record,
    parse_lifecycle_event,
    parse_record_object,
)
from tests.helpers.inbound_payloads import chime_metadata_record, chime_tca_record, chime_transcribe_record

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def flat_lca() -> dict[str, Any]:
    return {
        "EventType": "ADD_TRANSCRIPT_SEGMENT",
        "CallId": "c1",
        "Channel": "AGENT",
        "SegmentId": "s1",
        "StartTime": 1.0,
        "EndTime": 2.0,
        "Transcript": "hello",
        "IsPartial": False,
    }


VALID_RECORDS: list[dict[str, Any]] = [
    chime_transcribe_record(SHARED),
    chime_tca_record(SHARED),
    chime_metadata_record(SHARED),
    flat_lca(),
    {"EventType": "START", "CallId": "c1", "CustomerPhoneNumber": "+1", "CreatedAt": "t"},
    {"EventType": "UPDATE_AGENT", "CallId": "c1", "AgentId": "a"},
]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths(child, (*prefix, index))
    return found


def replace_at(record: Any, path: tuple[Any, ...], new: Any) -> Any:
    record = copy.deepcopy(record)
    target = record
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return record


def parses_or_is_malformed(record: Any) -> None:
    try:
        parse_record_object(record, record_id="fuzz")
    except MalformedRecord as error:
        assert error.record_id == "fuzz"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values)
def test_any_json_value(value: Any) -> None:
    parses_or_is_malformed(value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), new=json_values)
def test_valid_record_with_one_field_replaced(data: st.DataObject, new: Any) -> None:
    record = data.draw(st.sampled_from(VALID_RECORDS))
    path = data.draw(st.sampled_from(paths(record)))
    parses_or_is_malformed(replace_at(record, path, new))


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=64))
def test_any_bytes(raw: bytes) -> None:
    with contextlib.suppress(MalformedRecord):
        parse_kinesis_record(raw, record_id="fuzz")


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=40))
def test_any_base64_text(text: str) -> None:
    with contextlib.suppress(MalformedRecord):
        decode_kinesis_data(text, "fuzz")


def test_deep_nesting_is_malformed() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    try:
        parse_kinesis_record(deep, record_id="deep")
    except MalformedRecord as error:
        assert error.record_id == "deep"


def test_non_finite_and_huge_times_are_malformed() -> None:
    for bad in (b"NaN", b"Infinity", b"1" + b"0" * 400):
        record = json.dumps(flat_lca()).replace('"StartTime": 1.0', '"StartTime": ' + bad.decode())
        try:
            parse_kinesis_record(record.encode(), record_id="t")
        except MalformedRecord as error:
            assert "StartTime" in error.reason
        else:
            raise AssertionError(f"StartTime {bad!r} was accepted")


@settings(max_examples=150, deadline=None)
@given(data=st.data(), new=json_values)
def test_status_event_with_one_field_replaced(data: st.DataObject, new: Any) -> None:
    event = json.loads(
        (SHARED / "aws-events" / "chime_voiceconnector_streaming_status_started.json").read_text(
            encoding="utf-8"
        )
    )
    path = data.draw(st.sampled_from(paths(event)))
    with contextlib.suppress(MalformedRecord):
        parse_lifecycle_event(replace_at(event, path, new))
