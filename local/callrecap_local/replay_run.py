"""Replay several recorded calls at once and wait for each to be summarized and delivered.

Shared by `callrecap replay`, `make demo` and the tests: every call plays on its own timeline,
then each is awaited until its final summary reached an end state and (when it completed) the
CRM hook recorded its delivery, or until the deadline.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callrecap.domain.inbound import ChimeCallKey
from callrecap_local.outcome import COMPLETED, CallOutcome
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
    stack: LocalPipeline, recordings: Sequence[Recording], *, speed: float, timeout: float
) -> list[ReplayResult]:
    """Play all recordings at once; `timeout` counts from when the last event was sent."""
    replays = [stack.replay(recording, speed=speed) for recording in recordings]
    for replay in replays:
        replay.wait_sent()
    deadline = time.monotonic() + timeout
    results: list[ReplayResult] = []
    for replay in replays:
        status, outcome = stack.wait_for(replay.call_id, timeout=max(0.0, deadline - time.monotonic()))
        results.append(ReplayResult(replay.recording.path, replay.recording, status, outcome))
    return results


def describe(result: ReplayResult, *, width: int = 100) -> str:
    """A readable account of one replayed call and its final summary."""
    data = result.as_json()
    lines = [
        f"{result.path.name}  (call {data['callId']})",
        f"  segments: {data['segments']}   final summary: {data['status']}"
        f"   CRM hook: {data['crmHook'] or '-'}",
    ]
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
    return [textwrap.fill(text, width, initial_indent=label, subsequent_indent=" " * len(label))]
