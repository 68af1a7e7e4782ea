"""Replay several recorded calls at once and wait for each to be summarized and delivered.

Shared by `callrecap replay`, `make demo` and the tests: every call plays on its own timeline,
then each is awaited until its final summary reached an end state and (when it completed) the
CRM hook recorded its delivery, or until the deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callrecap.domain.transcripts.inbound import ChimeCallKey
from callrecap_local.outcome import COMPLETED, TIMEOUT, CallOutcome
from callrecap_local.recording import Recording, RecordingError, load_recording
from callrecap_local.stack import LocalPipeline


@dataclass(frozen=True)
class ReplayResult:
    path: Path
    recording: Recording
    status: str
    """COMPLETED, FAILED (the final summary failed) or TIMEOUT."""
    outcome: CallOutcome

    @property
    def ok(self) -> bool:
        return self.status == COMPLETED and self.outcome.finished

    def as_json(self) -> dict[str, Any]:
        return self.outcome.as_json(self.status)


def load_all(paths: Sequence[str | Path], chime_call_key: ChimeCallKey | None = None) -> list[Recording]:
    """Load every file; a file given twice gets a fresh call id the second time."""
    recordings: list[Recording] = []
    seen: set[str] = set()
    for path in paths:
        recording = load_recording(path, chime_call_key=chime_call_key)
        if recording.call_id in seen:
            recording = recording.renamed()
        seen.add(recording.call_id)
        recordings.append(recording)
    return recordings


def chime_call_key_for(recordings: Sequence[Recording]) -> ChimeCallKey | None:
    """The one Chime call-identity rule the recordings need (None: none has Chime records);
    RecordingError when they need different ones: one ingest function serves them all."""
    needed = {r.chime_call_key for r in recordings if r.chime_call_key is not None}
    if len(needed) > 1:
        names = ", ".join(f"{r.path.name}: {r.chime_call_key}" for r in recordings if r.chime_call_key)
        raise RecordingError(
            f"these recordings need different Chime call-identity rules ({names}): replay them "
            "separately, or choose one with --chime-call-identity"
        )
    return next(iter(needed), None)


def replay_and_wait(
    stack: LocalPipeline,
    recordings: Sequence[Recording],
    *,
    speed: float,
    timeout: float,
    on_result: Callable[[ReplayResult], None] | None = None,
    on_progress: Callable[[str], None] | None = None,
    poll_seconds: float = 0.25,
) -> list[ReplayResult]:
    """Play all recordings at once; `timeout` counts from when the last event was sent.

    Each call's result is handed to `on_result` the moment it finishes (in the order they
    finish), and `on_progress` gets a one-line status on every poll, so a caller can print as it
    goes and, interrupted, has already shown what finished."""
    replays = [stack.replay(recording, speed=speed) for recording in recordings]
    pending = {replay.call_id: replay for replay in replays}
    results: list[ReplayResult] = []
    deadline: float | None = None

    def finish(replay: Any, status: str, outcome: CallOutcome) -> None:
        result = ReplayResult(replay.recording.path, replay.recording, status, outcome)
        results.append(result)
        del pending[replay.call_id]
        if on_result is not None:
            on_result(result)

    while pending:
        for call_id, replay in list(pending.items()):
            outcome = stack.settled(call_id)
            if outcome is not None:
                finish(replay, outcome.summary_status, outcome)
        if not pending:
            break
        if deadline is None and all(r.finished_at is not None for r in replays):
            deadline = time.monotonic() + timeout
        if deadline is not None and time.monotonic() >= deadline:
            for call_id, replay in list(pending.items()):
                finish(replay, TIMEOUT, stack.outcome(call_id))
            break
        if on_progress is not None:
            sent = sum(1 for r in replays if r.finished_at is not None)
            on_progress(f"{len(results)}/{len(replays)} calls done, {sent}/{len(replays)} fully sent")
        time.sleep(poll_seconds)
    order = {replay.call_id: n for n, replay in enumerate(replays)}
    return sorted(results, key=lambda result: order[result.outcome.call_id])


def with_record_counts(result: ReplayResult, quarantined: Sequence[dict[str, Any]]) -> ReplayResult:
    """The result with how many of the call's records ingest quarantined (the quarantine queue's
    messages whose partition key is one of the recording's) and how many it ignored as carrying no
    speech (the recording's records run through ingest's own parser)."""
    from dataclasses import replace

    keys = {
        e.partition_key or result.recording.call_id for e in result.recording.events if e.source == "kinesis"
    }
    held = sum(1 for body in quarantined if body.get("partitionKey") in keys)
    outcome = replace(
        result.outcome, records_quarantined=held, records_ignored=ignored_records(result.recording)
    )
    return replace(result, outcome=outcome)


def ignored_records(recording: Recording) -> int:
    """Kinesis records of the recording that ingest's parser answers RecordIgnored for."""
    from callrecap.domain.models import RecordIgnored
    from callrecap.domain.transcripts.inbound import (
        DEFAULT_CHIME_CALL_KEY,
        MalformedRecord,
        parse_record_object,
    )

    ignored = 0
    for index, event in enumerate(recording.events):
        if event.source != "kinesis":
            continue
        try:
            observations = parse_record_object(
                event.payload,
                record_id=f"{recording.path.name}#{index}",
                chime_call_key=recording.chime_call_key or DEFAULT_CHIME_CALL_KEY,
            )
        except MalformedRecord:
            continue  # quarantined, counted from the queue
        ignored += sum(1 for o in observations if isinstance(o, RecordIgnored))
    return ignored


def describe(result: ReplayResult, *, width: int = 100) -> str:
    """A readable account of one replayed call and its final summary."""
    data = result.as_json()
    lines = [
        f"{result.path.name}  (call {data['callId']})",
        f"  segments: {data['segments']}   final summary: {data['status']}"
        f"   CRM hook: {data['crmHook'] or '-'}",
    ]
    if data["agentId"] or data["recordsQuarantined"] or data["recordsIgnored"]:
        lines.append(
            f"  agent: {data['agentId'] or '-'}   records quarantined: {data['recordsQuarantined']}"
            f"   ignored (no speech): {data['recordsIgnored']}"
        )
    if result.outcome.summary_error:
        lines.extend(_section_lines("error", result.outcome.summary_error, width))
    for name, value in (data["sections"] or {}).items():
        lines.extend(_section_lines(name, value, width))
    return "\n".join(lines)


def _section_lines(name: str, value: Any, width: int) -> list[str]:
    import textwrap

    label = f"  {name.replace('_', ' ')}: "
    if isinstance(value, list):
        if not value:
            return [label + "-"]
        return [label.rstrip()] + [
            textwrap.fill(str(item), width, initial_indent="    - ", subsequent_indent="      ")
            for item in value
        ]
    text = "-" if value in (None, "") else str(value)
    if "\n" in text:  # written with its own lines (the follow-up email): kept as written
        return [label.rstrip()] + [
            textwrap.fill(line, width, initial_indent="    ", subsequent_indent="    ") if line else ""
            for line in text.splitlines()
        ]
    return [textwrap.fill(text, width, initial_indent=label, subsequent_indent=" " * len(label))]
