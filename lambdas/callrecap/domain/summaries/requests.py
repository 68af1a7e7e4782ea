"""What asks for a summary and what a summary announces: the SummaryRequested / CallEnded
requests the summarizer accepts, and the CallSummarized / SummaryFailed event details."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from callrecap.contracts import SCHEMA_VERSION, STALE_REASON, BusEvent
from callrecap.domain.models import Summary, SummaryKind


class InvalidRunRequest(ValueError):
    """A bus event that cannot be turned into a summary request (missing/invalid fields)."""


class ReasonCode(StrEnum):
    """`reason` values of SummaryRequested: why a summary was asked for (docs/events.md).

    The API, the ingest function, the sweeper and the service all use these members; what the
    service itself decided about a request is a runs.outcomes.SkipReason.
    """

    CALL_ENDED = "call-ended"
    ON_DEMAND = "requested"  # "Summarize now" (the API sends this)
    STALE = STALE_REASON  # goes through the final-summary queue (contracts.stale_summary_pattern)
    RETRY = "retry"
    AUTO_RETRY = "auto-retry"  # the sweeper, after a retryable failure of a final
    IDLE = "idle"
    MISSING = "missing"  # the sweeper: an ended call with no final after the grace period


@dataclass(frozen=True)
class SummaryRunRequest:
    call_id: str
    kind: SummaryKind
    reason: str
    version: int | None = None
    """For reason "retry": the FAILED version to retry."""
    settled: bool = False
    """A CallEnded whose settle time is up: summarize now even if the call still looks active."""
    defer_seconds: float = 0.0
    """If the model is throttled (and no fallback writes the summary), keep the version PENDING and
    the run's lease for this long instead of failing: the final-summary queue puts the request
    back for then (handlers/summarizer.py). 0: a throttled run is stored FAILED."""


def request_from_event(detail_type: str, detail: Mapping[str, Any]) -> SummaryRunRequest:
    """Turn a CallEnded or SummaryRequested detail into a request (typed error if unusable)."""
    call_id = detail.get("callId")
    if not isinstance(call_id, str) or not call_id:
        raise InvalidRunRequest(f"{detail_type} without a callId")
    if detail_type == BusEvent.CALL_ENDED.value:
        return SummaryRunRequest(call_id, SummaryKind.FINAL, ReasonCode.CALL_ENDED)
    if detail_type != BusEvent.SUMMARY_REQUESTED.value:
        raise InvalidRunRequest(f"unexpected event {detail_type!r} for call {call_id}")
    try:
        kind = SummaryKind(str(detail.get("kind", SummaryKind.INTERIM.value)).lower())
    except ValueError as error:
        raise InvalidRunRequest(f"kind must be interim or final, got {detail.get('kind')!r}") from error
    reason = str(detail.get("reason") or ReasonCode.ON_DEMAND)
    version: int | None = None
    if reason == ReasonCode.RETRY:
        raw_version = detail.get("version")
        if isinstance(raw_version, bool) or not isinstance(raw_version, int | str):
            raise InvalidRunRequest(f"retry of call {call_id} without a version")
        try:
            version = int(raw_version)
        except ValueError as error:
            raise InvalidRunRequest(f"retry version must be an integer, got {raw_version!r}") from error
        if version < 1:
            raise InvalidRunRequest(f"retry version must be >= 1, got {version}")
    return SummaryRunRequest(call_id, kind, reason, version)


def summary_event_detail(summary: Summary) -> dict[str, Any]:
    """Detail of CallSummarized: what a consumer needs without reading the table."""
    return {
        "callId": summary.call_id,
        "schemaVersion": SCHEMA_VERSION,
        "version": summary.version,
        "kind": summary.kind.value,
        "sections": dict(summary.sections),
        "provider": summary.provider,
        "model": summary.model,
        "promptHash": summary.prompt_hash,
        "transcriptRevision": summary.transcript_revision,
        "createdAt": summary.created_at,
        **(
            {"fallbackFrom": summary.fallback_from, "fallbackReason": summary.fallback_reason}
            if summary.fallback_from
            else {}
        ),
        # counts only, never the text: what was hidden from the model (domain.pii)
        **({"piiRedactions": dict(summary.pii_redactions)} if summary.pii_redactions else {}),
        **(
            {"basedOn": summary.based_on, "approvedBy": summary.approved_by}
            if summary.kind is SummaryKind.APPROVED
            else {}
        ),
    }


ERROR_MAX_CHARS = 4_000
"""A failure's error as SummaryFailed carries it: a provider's message can quote a whole reply."""


def failure_event_detail(summary: Summary) -> dict[str, Any]:
    return {
        "callId": summary.call_id,
        "schemaVersion": SCHEMA_VERSION,
        "version": summary.version,
        "kind": summary.kind.value,
        "error": (summary.error or "")[:ERROR_MAX_CHARS],
        "failureReason": summary.failure_reason or "PROVIDER_ERROR",
        "retryable": summary.retryable,
        "provider": summary.provider,
        "model": summary.model,
        "createdAt": summary.created_at,
    }


def stale_request_detail(call_id: str, requested_at: str) -> dict[str, Any]:
    return {
        "callId": call_id,
        "schemaVersion": SCHEMA_VERSION,
        "kind": SummaryKind.FINAL.value,
        "reason": ReasonCode.STALE,
        "requestedAt": requested_at,
    }
