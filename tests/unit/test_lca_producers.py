"""One fixture per shape LCA v0.9.7's producers write to the call-data stream
(tests/fixtures/producers/*.json, written for this project; each names the LCA file it follows).
Each record must yield what LCA's own consumer would store: the segment (call, segment id,
speaker, times in seconds, text, partial), the call start/end/agent/categories, or nothing at
all for a record that carries no speech, which is counted (RecordIgnored), never quarantined."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from callrecap.domain.models import (
    CallDetailsObserved,
    CallEndObserved,
    CallStartObserved,
    CategoryMatched,
    Observation,
    RecordIgnored,
    Segment,
)
from callrecap.domain.transcripts.inbound import parse_kinesis_record

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "producers"


def fixtures() -> list[Path]:
    found = sorted(FIXTURES.glob("*.json"))
    assert found, f"no fixtures in {FIXTURES}"
    return found


def as_expected(observation: Observation) -> dict[str, Any]:
    """An observation in the fixtures' words (what LCA's consumer would have stored)."""
    if isinstance(observation, Segment):
        return {
            "kind": "segment",
            "call": observation.call_id,
            "id": observation.segment_id,
            "speaker": observation.speaker.value,
            "start": round(observation.start_time, 3),
            "end": round(observation.end_time, 3),
            "partial": observation.is_partial,
            "text": observation.text,
        }
    if isinstance(observation, CallStartObserved):
        found = {"kind": "start", "call": observation.details.call_id}
        found |= {"from": observation.details.from_number, "to": observation.details.to_number}
        if observation.details.agent_id:
            found["agent"] = observation.details.agent_id
        return found
    if isinstance(observation, CallEndObserved):
        return {"kind": "end", "call": observation.details.call_id}
    if isinstance(observation, CallDetailsObserved):
        return {"kind": "details", "call": observation.details.call_id, "agent": observation.details.agent_id}
    if isinstance(observation, CategoryMatched):
        return {"kind": "categories", "call": observation.call_id, "categories": list(observation.categories)}
    if isinstance(observation, RecordIgnored):
        return {"kind": "ignored", "call": observation.call_id}
    raise AssertionError(f"unexpected observation {observation!r}")


@pytest.mark.parametrize("path", fixtures(), ids=lambda p: p.stem)
def test_each_producer_shape_yields_what_lcas_consumer_would_store(path: Path) -> None:
    fixture = json.loads(path.read_text(encoding="utf-8"))
    assert fixture["follows"].startswith(("lca-", "utilities/")), "name the LCA file followed"
    observed = []
    for index, record in enumerate(fixture["records"]):
        data = json.dumps(record).encode()
        observed += [as_expected(o) for o in parse_kinesis_record(data, record_id=f"{path.stem}:{index}")]
    assert observed == fixture["expect"]


def test_every_producer_family_the_issue_names_has_a_fixture() -> None:
    names = {p.stem for p in fixtures()}
    assert {
        "chimevc_transcriber_standard",
        "chimevc_transcriber_tca",
        "chime_call_analytics_start_end",
        "voice_tone_processor",
        "process_tca_postcall",
        "pca_integration",
        "websocket_transcriber",
        "genesys_audiohook",
        "talkdesk_voicestream",
        "lca_client_simulator",
        "agent_assist_orchestrator",
        "summary_orchestrator",
        "consumer_aliases_and_embedded",
    } <= names
