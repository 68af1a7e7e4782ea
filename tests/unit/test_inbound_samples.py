"""The recorded sample calls in samples/: each parses cleanly and is a complete, realistic call."""

from __future__ import annotations

import importlib.util
import itertools
import json
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from callrecap.domain.models import (
    CallEndObserved,
    CallStartObserved,
    Observation,
    RecordIgnored,
    Segment,
    observed_call_id,
)
from callrecap.domain.transcripts.inbound import is_caller_leg, parse_lifecycle_event, parse_record_object

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE_FILES = sorted(SAMPLES.glob("*.jsonl"))
CHIME_SAMPLE_FILES = [p for p in SAMPLE_FILES if '"source":"aws.chime"' in p.read_text(encoding="utf-8")]
PIECEWISE_PARTIALS = {"missing_parcel"}
"""Contact Lens partials are pieces of an utterance (`PartialContent`), not a growing prefix."""


def load_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def observations(path: Path) -> list[tuple[dict[str, Any], list[Observation]]]:
    parsed: list[tuple[dict[str, Any], list[Observation]]] = []
    for number, line in enumerate(load_lines(path), start=1):
        if line["source"] == "kinesis":
            assert isinstance(line["partitionKey"], str) and line["partitionKey"]
            found = parse_record_object(line["data"], record_id=f"{path.name}:{number}")
        else:
            assert line["source"] == "eventbridge"
            status = parse_lifecycle_event(line["event"])
            found = [] if status is None else [status]
        parsed.append((line, list(found)))
    return parsed


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("samples_generate", SAMPLES / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def test_there_are_at_least_six_samples() -> None:
    assert len(SAMPLE_FILES) >= 6


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_sample_is_a_complete_call(path: Path) -> None:
    parsed = observations(path)
    times = [line["at"] for line, _ in parsed]
    assert times == sorted(times), "events are in time order"
    flat = [obs for _, found in parsed for obs in found]

    call_ids = {observed_call_id(obs) for obs in flat}
    assert len(call_ids) == 1, "one call per file"
    assert isinstance(flat[0], CallStartObserved), "the call starts first"
    assert any(isinstance(obs, CallEndObserved) for obs in flat)
    spoken_or_bounds = [obs for obs in flat if not isinstance(obs, RecordIgnored)]
    # what follows the end carries no speech (an LCA recording URL, LCA's own summary)
    last = [obs for obs in spoken_or_bounds if isinstance(obs, CallEndObserved | Segment)][-1]
    assert isinstance(last, CallEndObserved), "the call ends after its last words"

    segments = [obs for obs in flat if isinstance(obs, Segment)]
    finals: dict[str, Segment] = {}
    partials: dict[str, list[Segment]] = defaultdict(list)
    for segment in segments:
        assert segment.speaker.value in ("AGENT", "CUSTOMER")
        assert segment.start_time <= segment.end_time
        if segment.is_partial:
            assert segment.segment_id not in finals, "no partial after its final"
            partials[segment.segment_id].append(segment)
        else:
            assert segment.segment_id not in finals, "one final per utterance"
            finals[segment.segment_id] = segment
    assert len(finals) >= 15
    assert partials, "partial results before finals"
    for segment_id, growing in partials.items():
        assert segment_id in finals, "every partial id gets a final"
        if path.stem in PIECEWISE_PARTIALS:
            continue
        final_words = finals[segment_id].text.split()
        lengths = [len(p.text.split()) for p in growing]
        assert lengths == sorted(lengths) and lengths[-1] < len(final_words)
        for partial in growing:
            words = partial.text.split()
            assert words[:-1] == final_words[: len(words) - 1]
    assert {s.speaker for s in finals.values()} == {s.speaker for s in segments} and len(
        {s.speaker for s in segments}
    ) == 2


def test_some_samples_are_chime_calls_and_some_lca() -> None:
    assert 0 < len(CHIME_SAMPLE_FILES) < len(SAMPLE_FILES)


@pytest.mark.parametrize("path", CHIME_SAMPLE_FILES, ids=lambda p: p.stem)
def test_chime_samples_have_both_legs(path: Path) -> None:
    events = [line["event"] for line in load_lines(path) if line["source"] == "eventbridge"]
    for status in ("STARTED", "ENDED"):
        legs = {is_caller_leg(e) for e in events if e["detail"]["streamingStatus"] == status}
        assert legs == {True, False}
    assert len({e["detail"]["transactionId"] for e in events}) == 1


def test_the_set_uses_both_inbound_formats_and_every_variant() -> None:
    kinds: set[str] = set()
    for path in SAMPLE_FILES:
        for line in load_lines(path):
            if line["source"] == "eventbridge":
                kinds.add("eventbridge")
                continue
            data = line["data"]
            if "ContactId" in data:
                segments = data.get("Segments") or [{}]
                kinds.add(f"contact-lens:{data['EventType']}:{','.join(sorted(segments[0])) or '-'}")
            elif "detail-type" in data:
                kinds.add(f"chime:{data['detail-type']}")
            elif data["EventType"] == "ADD_TRANSCRIPT_SEGMENT":
                embedded = "TranscriptEvent" if data.get("TranscriptEvent") else None
                embedded = embedded or ("UtteranceEvent" if data.get("UtteranceEvent") else "flat")
                kinds.add(f"lca:segment:{embedded}")
            else:
                kinds.add(f"lca:{data['EventType']}")
    assert kinds >= {
        "eventbridge",
        "chime:Transcribe",
        "chime:TranscribeCallAnalytics",
        "chime:CallAnalyticsMetadata",
        "lca:START",
        "lca:END",
        "lca:UPDATE_AGENT",
        "lca:ADD_CALL_CATEGORY",
        "lca:segment:flat",
        "lca:segment:TranscriptEvent",
        "lca:segment:UtteranceEvent",
        "lca:ADD_AGENT_ASSIST",
        "lca:ADD_SUMMARY",
        "contact-lens:STARTED:-",
        "contact-lens:SEGMENTS:Utterance",
        "contact-lens:SEGMENTS:Transcript",
        "contact-lens:SEGMENTS:Categories",
        "contact-lens:SEGMENTS:PostContactSummary",
        "contact-lens:COMPLETED:-",
    }


def test_there_is_a_long_call_and_overlapping_speech() -> None:
    durations = {path.stem: load_lines(path)[-1]["at"] for path in SAMPLE_FILES}
    assert max(durations.values()) >= 30 * 60
    overlaps = 0
    for path in SAMPLE_FILES:
        finals = sorted(
            (
                obs
                for _, found in observations(path)
                for obs in found
                if isinstance(obs, Segment) and not obs.is_partial
            ),
            key=lambda s: s.start_time,
        )
        overlaps += sum(
            1 for a, b in itertools.pairwise(finals) if b.start_time < a.end_time and a.speaker != b.speaker
        )
    assert overlaps >= 3


def test_samples_are_generated_from_the_scripts() -> None:
    generator = load_generator()
    stale = [path.name for path, text in generator.outputs() if path.read_text(encoding="utf-8") != text]
    assert stale == [], "run: .venv/bin/python samples/generate.py"


def test_readme_lists_every_sample() -> None:
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for path in SAMPLE_FILES:
        assert path.name in readme
