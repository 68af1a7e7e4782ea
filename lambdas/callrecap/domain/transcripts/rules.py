"""Transcript rules shared by the store, the ingest handler and readers. Pure: no AWS.

A segment is identified by (call_id, segment_id); partial and final results of one utterance
share that identity. The rules:

- a final beats a partial of the same segment (a partial never overwrites a final);
- of two partials, the one covering more audio (larger end_time) wins, ties to the later arrival;
- of two different finals, the later arrival wins (a producer's correction);
- an exact copy (same digest) is a duplicate and changes nothing;
- readers see segments in spoken order (start time, then end time, channel, id), whatever the
  order in which they arrived.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from callrecap.contracts import SegmentAttr
from callrecap.domain.models import Segment, Turn

SegmentKey = tuple[str, str]
"""(call_id, segment_id)"""


def segment_key(segment: Segment) -> SegmentKey:
    return (segment.call_id, segment.segment_id)


def segment_digest(segment: Segment) -> str:
    """Hash of everything a reader sees: equal digests mean a retried or duplicated record."""
    parts = (
        "P" if segment.is_partial else "F",
        segment.speaker.value,
        repr(float(segment.start_time)),
        repr(float(segment.end_time)),
        segment.channel,
        segment.sentiment or "",
        segment.text,
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def newer_wins(current: Segment, incoming: Segment) -> bool:
    """True when `incoming` (arrived later) should replace `current` for the same segment."""
    if current.is_partial != incoming.is_partial:
        return not incoming.is_partial  # final beats partial, whichever came first
    if incoming.is_partial:
        return incoming.end_time >= current.end_time
    return True  # two finals: the later one is a correction


def is_duplicate(current: Segment, incoming: Segment) -> bool:
    """An exact copy, or a partial that arrived after its final: both change nothing."""
    if segment_digest(current) == segment_digest(incoming):
        return True
    return incoming.is_partial and not current.is_partial


@dataclass
class BatchPlan:
    """What to write for one batch: one segment per identity, with the inputs it stands for."""

    segments: list[Segment] = field(default_factory=list)
    origins: dict[SegmentKey, list[int]] = field(default_factory=dict)
    """Indices (into the input) of every observation folded into each kept segment."""
    duplicates: int = 0
    """Exact copies and partials-after-final inside the batch."""
    superseded: int = 0
    """Older partials (or corrected finals) replaced by a later observation in the same batch."""


def plan_batch(segments: Sequence[Segment]) -> BatchPlan:
    """Collapse a batch to one segment per identity, keeping arrival order of first sight."""
    plan = BatchPlan()
    chosen: dict[SegmentKey, Segment] = {}
    for index, segment in enumerate(segments):
        key = segment_key(segment)
        plan.origins.setdefault(key, []).append(index)
        current = chosen.get(key)
        if current is None:
            chosen[key] = segment
        elif is_duplicate(current, segment):
            plan.duplicates += 1
        elif newer_wins(current, segment):
            chosen[key] = segment
            plan.superseded += 1
        else:
            plan.superseded += 1
    plan.segments = list(chosen.values())
    return plan


def spoken_order_key(segment: Segment) -> tuple[float, float, str, str]:
    return (segment.start_time, segment.end_time, segment.channel, segment.segment_id)


def in_spoken_order(segments: Iterable[Segment]) -> list[Segment]:
    return sorted(segments, key=spoken_order_key)


def stored_spoken_order_key(item: Mapping[str, Any]) -> tuple[float, float, str, str]:
    """spoken_order_key of a stored segment item (its SegmentAttr names), for exports."""
    return (
        float(item.get(SegmentAttr.START_TIME, 0) or 0),
        float(item.get(SegmentAttr.END_TIME, 0) or 0),
        str(item.get(SegmentAttr.CHANNEL, "")),
        str(item.get(SegmentAttr.SEGMENT_ID, "")),
    )


def final_turns(segments: Iterable[Segment]) -> list[Turn]:
    """Each final segment with text as one turn, in spoken order (partials left out): what a
    summary is written from."""
    finals = [s for s in segments if not s.is_partial and s.text.strip()]
    return [Turn(str(s.speaker), s.text.strip(), s.start_time, s.end_time) for s in in_spoken_order(finals)]


def resolve(segments: Iterable[Segment]) -> list[Segment]:
    """One segment per identity (final preferred), in spoken order: what a reader should show."""
    chosen: dict[SegmentKey, Segment] = {}
    for segment in segments:
        key = segment_key(segment)
        current = chosen.get(key)
        if current is None or (not is_duplicate(current, segment) and newer_wins(current, segment)):
            chosen[key] = segment
    return in_spoken_order(chosen.values())


def to_turns(segments: Iterable[Segment], *, include_partials: bool = True) -> list[Turn]:
    """Speaker-labelled turns in spoken order; consecutive segments of one speaker are merged."""
    turns: list[Turn] = []
    for segment in resolve(segments):
        if (segment.is_partial and not include_partials) or not segment.text.strip():
            continue
        speaker = segment.speaker.value
        if turns and turns[-1].speaker == speaker:
            last = turns[-1]
            turns[-1] = Turn(
                speaker, f"{last.text} {segment.text.strip()}", last.start_time, segment.end_time
            )
        else:
            turns.append(Turn(speaker, segment.text.strip(), segment.start_time, segment.end_time))
    return turns
