"""Recorded call files: call id discovery, fresh ids, timestamps moved to the replay's timeline."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from callrecap_local.recording import RecordingError, load_recording

TX = "2f1c0d3e-0000-4000-8000-000000000001"


def write(tmp_path: Path, lines: list[dict[str, Any]]) -> Path:
    path = tmp_path / "call.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return path


def chime_lines() -> list[dict[str, Any]]:
    status = {
        "source": "aws.chime",
        "detail-type": "Chime VoiceConnector Streaming Status",
        "time": "2025-03-02T14:05:12Z",
        "detail": {"streamingStatus": "STARTED", "transactionId": TX, "callId": "leg-1"},
    }
    ended = {
        **status,
        "time": "2025-03-02T14:06:52Z",
        "detail": {"streamingStatus": "ENDED", "transactionId": TX, "startTime": "2025-03-02T14:05:12Z"},
    }
    record = {"time": "2025-03-02T14:05:13.500Z", "metadata": json.dumps({"transactionId": TX})}
    return [
        {"at": 100.0, "source": "eventbridge", "event": ended},
        {"at": 1.5, "source": "kinesis", "partitionKey": TX, "data": record},
        {"at": 0.0, "source": "eventbridge", "event": status},
    ]


def test_chime_call_id_is_the_transaction_id_and_events_are_in_time_order(tmp_path: Path) -> None:
    recording = load_recording(write(tmp_path, chime_lines()))
    assert recording.call_id == TX
    assert [e.at for e in recording.events] == [0.0, 1.5, 100.0]
    assert recording.duration == 100.0


def test_lca_call_id(tmp_path: Path) -> None:
    line = {
        "at": 0,
        "source": "kinesis",
        "partitionKey": "c",
        "data": {"EventType": "START", "CallId": "lca-1"},
    }
    assert load_recording(write(tmp_path, [line])).call_id == "lca-1"


def test_renamed_replaces_the_id_everywhere_and_follows_the_replay_timeline(tmp_path: Path) -> None:
    recording = load_recording(write(tmp_path, chime_lines()))
    start = datetime(2030, 1, 1, 9, 0, 0, tzinfo=UTC)
    renamed = recording.renamed("new-id", rebase_to=start, speed=10)
    text = json.dumps([e.payload for e in renamed.events]) + "".join(e.partition_key for e in renamed.events)
    assert TX not in text
    assert renamed.call_id == "new-id"
    first, record, ended = (e.payload for e in renamed.events)
    assert first["time"] == "2030-01-01T09:00:00Z"
    assert record["time"] == "2030-01-01T09:00:00.150Z"  # 1.5 s after the start, at 10x
    assert json.loads(record["metadata"]) == {"transactionId": "new-id"}
    assert ended["time"] == "2030-01-01T09:00:10Z"
    assert ended["detail"]["startTime"] == "2030-01-01T09:00:00Z"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json\n", "not JSON"),
        ('{"at": 0, "source": "sqs"}\n', "unknown source"),
        ('{"at": 0, "source": "kinesis", "data": {"x": 1}}\n', "no record names a call"),
        ("\n", "no events"),
    ],
)
def test_unusable_files_say_why(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(RecordingError, match=message):
        load_recording(path)
