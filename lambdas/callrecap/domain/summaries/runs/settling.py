"""Whether an ended call's transcript is still moving, so its final should wait a moment."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from callrecap.clock import parse_iso
from callrecap.contracts import SETTLE_QUIET_SECONDS, CallAttr
from callrecap.domain.ports import TranscriptStore


def is_settling(
    call: Mapping[str, Any],
    call_id: str,
    transcripts: TranscriptStore,
    now: datetime | None,
    settle_seconds: float,
) -> bool:
    """Something was stored for the call in the last SETTLE_QUIET_SECONDS (its last segments are
    leaving the Kinesis batching window) or a partial result is still open (its final is on its
    way). The final-summary queue's consumer looks again shortly, up to the settle time
    (handlers/summarizer.py); so does each late segment's stale request, and the first that finds
    the transcript quiet writes the one new final (the others find it up to date)."""
    if settle_seconds <= 0 or now is None:
        return False
    last = parse_iso(call.get(CallAttr.LAST_ACTIVITY_AT.value))
    if last is not None and (now - last).total_seconds() < SETTLE_QUIET_SECONDS:
        return True
    for segment in transcripts.list_segments(call_id):
        created = parse_iso(segment.created_at) if segment.is_partial else None
        if created is not None and (now - created).total_seconds() < settle_seconds:
            return True  # a recent partial: its final has not been stored yet
    return False
