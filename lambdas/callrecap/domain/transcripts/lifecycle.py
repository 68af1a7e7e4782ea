"""Exactly-once call lifecycle announcements, and the bus event details they carry. Pure: the
store and publisher are ports.

A start or end is announced by whoever first wins the store's conditional write (mark_*). If the
bus then refuses the event, the claim is released before the error propagates, so the retried
record or event claims again and publishes: nothing is lost, and a duplicate stays a no-op.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from callrecap.clock import iso
from callrecap.contracts import SCHEMA_VERSION, BusEvent, CallAttr
from callrecap.domain.models import (
    CALL_DETAIL_ATTRS,
    CallDetails,
    CallDetailsObserved,
    CallEndObserved,
    CallStartObserved,
    CallStatus,
    SummaryKind,
)
from callrecap.domain.ports import DetailsStore, EventPublisher, LifecycleStore
from callrecap.domain.summaries.requests import ReasonCode


def call_event_detail(
    details: CallDetails, record: Mapping[str, Any] | None, *, ended: bool
) -> dict[str, Any]:
    """CallStarted / CallEnded detail: what the stored record knows, completed by this event."""
    record = record or {}
    detail: dict[str, Any] = {"callId": details.call_id, "schemaVersion": SCHEMA_VERSION}
    for field_name, attr in CALL_DETAIL_ATTRS:
        if field_name not in ("agent_id", "language_code", "queue"):  # not in the events' contract
            detail[attr.value] = record.get(attr.value) or getattr(details, field_name)
    detail["startTime"] = record.get(CallAttr.STARTED_AT.value)
    if ended:
        detail["endTime"] = record.get(CallAttr.ENDED_AT.value)
    return detail


def announce_start(store: LifecycleStore, publisher: EventPublisher, observed: CallStartObserved) -> bool:
    """Publish CallStarted if this is the first start seen for the call; True if published."""
    call_id = observed.details.call_id
    if not store.mark_started(observed.details, observed.at):
        return False
    try:
        detail = call_event_detail(observed.details, store.get_call(call_id), ended=False)
        detail["startTime"] = detail["startTime"] or observed.at
        publisher.publish(BusEvent.CALL_STARTED, detail)
    except Exception:
        store.release_start(call_id)
        raise
    return True


def announce_end(store: LifecycleStore, publisher: EventPublisher, observed: CallEndObserved) -> bool:
    """Publish CallEnded if this is the first end seen for the call; True if published."""
    call_id = observed.details.call_id
    if not store.mark_ended(observed.details, observed.at):
        return False
    try:
        detail = call_event_detail(observed.details, store.get_call(call_id), ended=True)
        detail["endTime"] = detail["endTime"] or observed.at
        detail["startTime"] = detail["startTime"] or detail["endTime"]
        publisher.publish(BusEvent.CALL_ENDED, detail)
    except Exception:
        store.release_end(call_id)
        raise
    return True


def final_summary_is_stale(record: Mapping[str, Any] | None) -> bool:
    """True when an ended call's final summary covers an older transcript revision than stored."""
    if not record or record.get(CallAttr.STATUS.value) != CallStatus.ENDED.value:
        return False
    covered = record.get(CallAttr.FINAL_SUMMARY_REVISION.value)
    if covered is None:
        return False  # no final summary yet: the CallEnded-triggered run will see everything
    return int(covered) < int(record.get(CallAttr.TRANSCRIPT_REVISION.value) or 0)


def stale_summary_request(call_id: str, now: datetime | None = None) -> dict[str, Any]:
    """SummaryRequested detail asking for a new final summary of a grown transcript."""
    moment = now or datetime.now(UTC)
    return {
        "callId": call_id,
        "schemaVersion": SCHEMA_VERSION,
        "kind": SummaryKind.FINAL.value,
        "reason": ReasonCode.STALE,
        "requestedAt": iso(moment, "seconds"),
    }


def apply_status(
    store: DetailsStore,
    publisher: EventPublisher,
    observed: CallStartObserved | CallEndObserved | CallDetailsObserved,
) -> str:
    """A streaming-status observation applied: what happened, for the log and the response."""
    if isinstance(observed, CallStartObserved):
        return "CallStarted" if announce_start(store, publisher, observed) else "duplicate start"
    if isinstance(observed, CallEndObserved):
        return "CallEnded" if announce_end(store, publisher, observed) else "duplicate end"
    store.update_details(observed.details, observed.at)
    return "details updated"
