"""Recorded calls through the real handlers on moto's server: nothing lost, one delivery each."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from callrecap.domain.models import Segment
from callrecap.domain.transcripts.inbound import parse_kinesis_record
from callrecap_local.recording import load_recording
from callrecap_local.replay_run import replay_and_wait
from callrecap_local.stack import LocalPipeline

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "billing_dispute.jsonl"


def expected_final_segments(path: Path) -> int:
    """Distinct final segments in a file, by the same parser ingest uses."""
    finals: set[str] = set()
    for number, line in enumerate(path.read_text().splitlines()):
        event = json.loads(line)
        if event["source"] != "kinesis":
            continue
        data = json.dumps(event["data"]).encode()
        for observation in parse_kinesis_record(data, record_id=str(number)):
            if isinstance(observation, Segment) and not observation.is_partial:
                finals.add(observation.segment_id)
    return len(finals)


def lca_call(call_id: str, turns: int) -> list[dict[str, Any]]:
    """A short LCA-format call: START, each utterance as a partial then its final, END."""
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    lines: list[dict[str, Any]] = []

    def record(at: float, data: dict[str, Any]) -> None:
        lines.append(
            {"at": at, "source": "kinesis", "partitionKey": call_id, "data": {**data, "CallId": call_id}}
        )

    record(
        0.0,
        {
            "EventType": "START",
            "CustomerPhoneNumber": "+15550100",
            "SystemPhoneNumber": "+15550199",
            "CreatedAt": now,
        },
    )
    speakers = ("AGENT", "CALLER")
    for n in range(turns):
        words = f"turn {n} about the replacement card for account {1000 + n} and the late fee"
        base = {
            "EventType": "ADD_TRANSCRIPT_SEGMENT",
            "Channel": speakers[n % 2],
            "SegmentId": f"{call_id}-seg-{n}",
            "StartTime": float(n * 3),
            "EndTime": float(n * 3 + 2.5),
            "CreatedAt": now,
        }
        record(n * 0.3 + 0.1, {**base, "Transcript": words.rsplit(" ", 4)[0], "IsPartial": True})
        record(n * 0.3 + 0.2, {**base, "Transcript": words, "IsPartial": False})
    record(turns * 0.3 + 0.2, {"EventType": "END", "CreatedAt": now})
    return lines


def write_call(directory: Path, call_id: str, turns: int) -> Path:
    path = directory / f"{call_id}.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lca_call(call_id, turns)) + "\n")
    return path


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalPipeline]:
    with LocalPipeline(port=0, sweeper_interval=0) as running:
        yield running


def test_a_recorded_call_end_to_end(stack: LocalPipeline) -> None:
    recording = load_recording(SAMPLE)
    results = replay_and_wait(stack, [recording], speed=200, timeout=60)
    (result,) = results
    assert result.status == "COMPLETED", result.outcome
    assert result.outcome.call_status == "ENDED"
    assert result.outcome.segments == expected_final_segments(SAMPLE)
    assert result.outcome.sections.get("summary")
    # The Chime ENDED status (EventBridge) overtakes the last segments (Kinesis, 1 s batching
    # window) in this sample; CallEnded waits in the final-summary delay queue, so the one final
    # covers the whole call and the CRM hook receives it once.
    finals = [int(s["version"]) for s in result.outcome.summaries if s["kind"] == "final"]
    assert len(finals) == 1, result.outcome.summaries
    assert [int(d["version"]) for d in result.outcome.deliveries] == finals
    assert result.outcome.summary_version == finals[0]
    assert stack.dead_letters == []

    # The page's API over HTTP sees the same call.
    now = datetime.now(
        UTC
    )  # the call is listed under its start's day: today, or yesterday just after midnight
    calls = []
    for day in {now.date().isoformat(), (now - timedelta(minutes=5)).date().isoformat()}:
        with urllib.request.urlopen(f"{stack.api_url}/calls?day={day}", timeout=10) as response:
            calls += json.loads(response.read())["calls"]
    assert recording.call_id in [c["callId"] for c in calls]
    with urllib.request.urlopen(f"{stack.api_url}/calls/{recording.call_id}", timeout=10) as response:
        detail = json.loads(response.read())
    finals = [s for s in detail["segments"] if not s["isPartial"]]
    assert len(finals) == result.outcome.segments


def test_twenty_calls_at_once_lose_nothing(stack: LocalPipeline, tmp_path: Path) -> None:
    paths = [write_call(tmp_path, f"bulk-{n:02d}", turns=4 + n % 7) for n in range(20)]
    recordings = [load_recording(p) for p in paths]
    results = replay_and_wait(stack, recordings, speed=5, timeout=90)
    assert [r.outcome.segments for r in results] == [expected_final_segments(p) for p in paths]
    assert [r.status for r in results] == ["COMPLETED"] * 20
    assert [len(r.outcome.deliveries) for r in results] == [1] * 20
    assert [len([s for s in r.outcome.summaries if s["kind"] == "final"]) for r in results] == [1] * 20
    assert stack.dead_letters == []


def test_each_call_is_reported_the_moment_it_finishes(stack: LocalPipeline, tmp_path: Path) -> None:
    long_call = load_recording(write_call(tmp_path, "long-one", turns=25))  # 7.5 s of events
    short_call = load_recording(write_call(tmp_path, "short-one", turns=1))
    finished: list[str] = []
    progress: list[str] = []
    results = replay_and_wait(
        stack,
        [long_call, short_call],
        speed=1,
        timeout=60,
        on_result=lambda result: finished.append(result.outcome.call_id),
        on_progress=progress.append,
    )
    assert finished == ["short-one", "long-one"]  # as they finished, not in file order
    assert [r.outcome.call_id for r in results] == ["long-one", "short-one"]  # returned in file order
    assert progress and progress[0].startswith("0/2 calls done")
