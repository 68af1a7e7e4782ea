"""Recorded call files (DESIGN.md §2): one event a line, `at` seconds from the call's start.

    {"at": 1.5, "source": "kinesis", "partitionKey": "...", "data": {...record...}}
    {"at": 0.0, "source": "eventbridge", "event": {...full EventBridge envelope...}}

A replay can give the call a fresh id (so the same file can be replayed again and again, as
`serve --demo` does) and move its wall-clock timestamps to "now" (so the call appears among
today's calls with a believable start time).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from callrecap.clock import iso, parse_iso
from callrecap.domain.transcripts.inbound import (
    DEFAULT_CHIME_CALL_KEY,
    ChimeCallKey,
    MalformedRecord,
    call_id_of_event,
    call_id_of_record,
)
from callrecap.domain.transcripts.inbound.lca import normalize_keys

SOURCES = ("kinesis", "eventbridge")


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


class RecordingError(ValueError):
    """The file is not a recorded call (bad JSON, unknown source, no call id)."""


@dataclass(frozen=True)
class RecordedEvent:
    at: float
    source: str
    partition_key: str
    payload: dict[str, Any]
    """The Kinesis record (`data`) or the EventBridge envelope (`event`)."""


@dataclass(frozen=True)
class Recording:
    path: Path
    call_id: str
    events: tuple[RecordedEvent, ...]
    chime_call_key: ChimeCallKey | None = None
    """The Chime call-identity rule this recording needs (None: it has no Chime records)."""
    dump: bool = False
    """Read from a plain dump of stream records (no `at`/`source`): times derived (events_from_dump)."""

    @property
    def duration(self) -> float:
        return self.events[-1].at if self.events else 0.0

    @property
    def kinesis_records(self) -> int:
        return sum(1 for e in self.events if e.source == "kinesis")

    def renamed(
        self, new_call_id: str | None = None, *, rebase_to: datetime | None = None, speed: float = 1.0
    ) -> Recording:
        """A copy with the call id replaced everywhere and ISO timestamps moved.

        With `rebase_to`, the earliest timestamp becomes `rebase_to` and the others keep their
        distance from it divided by `speed`, so the stored times match a replay at that speed.
        Replacement is textual on each serialized event, so ids inside JSON-string `metadata`
        fields are replaced too.
        """
        new_id = new_call_id or str(uuid.uuid4())
        shift = _timeline(self, rebase_to, speed) if rebase_to is not None else None
        events = []
        for event in self.events:
            text = json.dumps(event.payload).replace(self.call_id, new_id)
            payload = json.loads(text)
            if shift is not None:
                payload = _shift_times(payload, shift)
            events.append(
                RecordedEvent(
                    event.at, event.source, event.partition_key.replace(self.call_id, new_id), payload
                )
            )
        return Recording(self.path, new_id, tuple(events), self.chime_call_key, self.dump)


def detect_chime_call_key(events: Sequence[RecordedEvent]) -> ChimeCallKey | None:
    """The rule a recording's Chime records need (domain.inbound.identity), when it says so
    unambiguously: LCA START/END beside them mean LCA's call-analytics producers (callId);
    streaming-status events mean this project's own Voice Connector (transactionId)."""
    kinesis = [e.payload for e in events if e.source == "kinesis"]
    if not any("detail-type" in payload for payload in kinesis):
        return None
    if any(e.source == "eventbridge" for e in events):
        return ChimeCallKey.TRANSACTION_ID
    bounds = {"START", "END", "STARTED", "COMPLETED"}
    for payload in kinesis:
        normalized = normalize_keys(payload)
        if isinstance(normalized, dict) and str(normalized.get("EventType", "")).upper() in bounds:
            return ChimeCallKey.CALL_ID
    return ChimeCallKey.TRANSACTION_ID


def load_recording(path: str | Path, *, chime_call_key: ChimeCallKey | None = None) -> Recording:
    """`chime_call_key`: force the Chime call-identity rule (None: detect it from the events)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise RecordingError(f"{path}: cannot read ({error.strerror})") from error
    rows: list[tuple[int, Any]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append((number, json.loads(line)))
        except ValueError as error:
            raise RecordingError(f"{path}:{number}: not JSON ({error})") from error
    if not rows:
        raise RecordingError(f"{path}: no events")
    dump = isinstance(rows[0][1], dict) and "at" not in rows[0][1]
    if dump:
        events = events_from_dump(rows, path)
    else:
        events = []
        for number, raw in rows:
            try:
                events.append(_parse_event(raw))
            except (ValueError, KeyError, TypeError) as error:
                raise RecordingError(f"{path}:{number}: not a recorded event ({error})") from error
    events.sort(key=lambda e: e.at)  # stable: equal `at` keep file order
    detected = detect_chime_call_key(events)
    key = chime_call_key or detected or DEFAULT_CHIME_CALL_KEY
    call_id, first_error = find_call_id(events, key)
    if not call_id:
        why = f"; {first_error}" if first_error else ""
        raise RecordingError(f"{path}: no record names a call (docs/events.md, 'Call identity'){why}")
    return Recording(path, call_id, tuple(events), key if detected or chime_call_key else None, dump)


def events_from_dump(rows: Sequence[tuple[int, Any]], path: Path) -> list[RecordedEvent]:
    """A dump of stream records, one JSON object a line as a producer writes them to Kinesis (LCA's
    events, Transcribe or Chime results), as a recording. Each record's `at` is its own time:
    seconds since the first record's `CreatedAt` (LCA events carry it), else its `EndTime` in
    seconds into the call, else the previous record's; never earlier than the previous one, so
    the file's order (the producer's) is the replay's order."""
    events: list[RecordedEvent] = []
    first: datetime | None = None
    previous = 0.0
    for number, raw in rows:
        if not isinstance(raw, dict):
            raise RecordingError(f"{path}:{number}: expected a JSON object a line (a stream record)")
        normalized = normalize_keys(raw)
        fields = normalized if isinstance(normalized, dict) else raw
        created = _parse_iso(str(fields.get("CreatedAt") or ""))
        at: float | None = None
        if created is not None:
            first = first or created
            at = (created - first).total_seconds()
        elif fields.get("EndTime") is not None:
            try:
                at = float(fields["EndTime"])
            except (TypeError, ValueError):
                at = None
        previous = max(previous, at if at is not None else previous)
        key = str(fields.get("CallId") or "")
        events.append(RecordedEvent(previous, "kinesis", key, raw))
    return events


def _parse_event(raw: dict[str, Any]) -> RecordedEvent:
    source = raw["source"]
    at = float(raw["at"])
    if at < 0:
        raise ValueError("`at` is negative")
    if source == "kinesis":
        data = raw["data"]
        if not isinstance(data, dict):
            raise TypeError("`data` must be an object")
        return RecordedEvent(at, source, str(raw.get("partitionKey") or ""), data)
    if source == "eventbridge":
        event = raw["event"]
        if not isinstance(event, dict) or "detail-type" not in event or "source" not in event:
            raise TypeError("`event` must be an EventBridge envelope with source and detail-type")
        return RecordedEvent(at, source, "", event)
    raise ValueError(f"unknown source {source!r} (expected one of {', '.join(SOURCES)})")


def find_call_id(
    events: Sequence[RecordedEvent], chime_call_key: ChimeCallKey = DEFAULT_CHIME_CALL_KEY
) -> tuple[str, str]:
    """(call id, first parse error): the call's id as the pipeline would key it, from the first
    event the real parsers can read (the rule lives in callrecap.domain.transcripts.inbound.identity)."""
    first_error = ""
    for index, event in enumerate(events):
        try:
            if event.source == "kinesis":
                found = call_id_of_record(
                    event.payload, record_id=f"event {index}", chime_call_key=chime_call_key
                )
            else:
                found = call_id_of_event(event.payload)
        except MalformedRecord as error:
            first_error = first_error or f"event {index}: {error.reason}"
            continue
        if found:
            return found, first_error
    return "", first_error


def _parse_iso(text: str) -> datetime | None:
    """A timestamp of the recording (a string that looks like one, parsed by the one clock)."""
    return parse_iso(text) if _ISO.match(text) else None


def _iter_times(value: Any) -> Iterator[datetime]:
    if isinstance(value, str):
        parsed = _parse_iso(value)
        if parsed is not None:
            yield parsed
    elif isinstance(value, dict):
        for child in value.values():
            yield from _iter_times(child)
    elif isinstance(value, list):
        for child in value:
            yield from _iter_times(child)


def _timeline(recording: Recording, target: datetime, speed: float) -> Callable[[datetime], datetime] | None:
    """Map a recorded instant to the replay's: the earliest timestamp (the call start) lands on
    `target`, the rest follow at `speed`.

    The origin is the earliest timestamp, not `t - at` per event: a late event may repeat the
    start time (a Chime ENDED status carries `startTime`).
    """
    times = [t for e in recording.events for t in _iter_times(e.payload)]
    if not times:
        return None
    origin = min(times)
    return lambda instant: target + (instant - origin) / speed


def _shift_times(value: Any, shift: Callable[[datetime], datetime]) -> Any:
    if isinstance(value, str):
        parsed = _parse_iso(value)
        if parsed is None:
            return value
        shifted = shift(parsed)
        if value.endswith("Z"):
            return iso(shifted, "milliseconds" if "." in value else "seconds")
        return shifted.isoformat()
    if isinstance(value, dict):
        return {k: _shift_times(v, shift) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift_times(v, shift) for v in value]
    return value
