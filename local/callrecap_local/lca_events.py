"""LCA-format stream records as the producers write them, for the benchmarks and tests that put
calls on the local stream without a recording (the fields: domain.inbound.lca)."""

from __future__ import annotations

from typing import Any

from callrecap.clock import utc_now_iso as iso_now  # how LCA's producers write CreatedAt


def lca_segment(
    call_id: str,
    segment_id: str,
    start: float,
    end: float,
    text: str,
    *,
    agent: bool,
    partial: bool = False,
    created_at: str = "",
) -> dict[str, Any]:
    """A flat `ADD_TRANSCRIPT_SEGMENT` on the AGENT or CALLER channel (`created_at`: now)."""
    return {
        "EventType": "ADD_TRANSCRIPT_SEGMENT",
        "CallId": call_id,
        "Channel": "AGENT" if agent else "CALLER",
        "SegmentId": segment_id,
        "StartTime": start,
        "EndTime": end,
        "Transcript": text,
        "IsPartial": partial,
        "CreatedAt": created_at or iso_now(),
    }


def lca_call_event(event_type: str, call_id: str, *, created_at: str = "") -> dict[str, Any]:
    """A `START` or `END` with nothing but the call id and its time."""
    return {"EventType": event_type, "CallId": call_id, "CreatedAt": created_at or iso_now()}
