"""The CRM hook's contract (docs/summarization.md, "CRM hook contract") and the example delivery.

- the event is a `CallSummarized` from the project's bus, detail with callId, schemaVersion,
  version (int >= 1), kind (interim | final), sections (a non-empty object), provider, model,
  createdAt;
- an event that breaks the contract (notably empty sections) is REFUSED by raising, so
  EventBridge retries it and then parks it in the rule target's DLQ, where it stays visible;
  it is never silently recorded as delivered;
- deliveries are idempotent per (callId, version): EventBridge delivers at least once, and a
  repeated event is acknowledged without a second delivery.

A real integration (Salesforce, Zendesk, ...) replaces `delivery_record` with its CRM call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from callrecap.contracts import BUS_SOURCE, SCHEMA_VERSION, BusEvent
from callrecap.domain.ports import DeliveryStore

DELIVERED = "DELIVERED"
KINDS = ("interim", "final")


class ContractViolation(ValueError):
    """The event is not a CallSummarized this hook can deliver (raised: EventBridge retries/DLQs)."""


@dataclass(frozen=True)
class CallSummarized:
    call_id: str
    version: int
    kind: str
    sections: dict[str, Any]
    provider: str
    model: str
    created_at: str


def parse_call_summarized(source: str, detail_type: str, detail: Mapping[str, Any]) -> CallSummarized:
    """Validate an event against the CallSummarized contract (every problem listed)."""
    if source != BUS_SOURCE or detail_type != BusEvent.CALL_SUMMARIZED.value:
        raise ContractViolation(
            f"expected {BUS_SOURCE}/{BusEvent.CALL_SUMMARIZED.value}, got {source}/{detail_type}"
        )
    problems: list[str] = []
    call_id = detail.get("callId")
    if not isinstance(call_id, str) or not call_id:
        problems.append("callId must be a non-empty string")
    if str(detail.get("schemaVersion")) != SCHEMA_VERSION:
        problems.append(f"schemaVersion must be {SCHEMA_VERSION!r}, got {detail.get('schemaVersion')!r}")
    version = detail.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        problems.append(f"version must be an integer >= 1, got {version!r}")
    kind = detail.get("kind")
    if kind not in KINDS:
        problems.append(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    sections = detail.get("sections")
    if not isinstance(sections, dict) or not sections:
        problems.append("sections must be a non-empty object (an empty summary is never delivered)")
    elif all(value in (None, "", [], {}) for value in sections.values()):
        problems.append("every section is empty (an empty summary is never delivered)")
    for name in ("provider", "model", "createdAt"):
        if not isinstance(detail.get(name), str):
            problems.append(f"{name} must be a string")
    if problems:
        raise ContractViolation(f"CallSummarized for {call_id!r} refused: " + "; ".join(problems))
    return CallSummarized(
        call_id=str(call_id),
        version=int(str(version)),
        kind=str(kind),
        sections=dict(sections) if isinstance(sections, dict) else {},
        provider=str(detail["provider"]),
        model=str(detail["model"]),
        created_at=str(detail["createdAt"]),
    )


def delivery_record(summary: CallSummarized, event_id: str) -> dict[str, Any]:
    """The example 'CRM': the delivery record itself. A real hook calls its CRM API here."""
    return {
        "eventId": event_id,
        "kind": summary.kind,
        "sections": summary.sections,
        "provider": summary.provider,
        "model": summary.model,
        "summaryCreatedAt": summary.created_at,
        "deliveredAt": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def deliver_summary(
    store: DeliveryStore, source: str, detail_type: str, detail: Mapping[str, Any], event_id: str
) -> tuple[CallSummarized, str]:
    """Validate, deliver once per (callId, version): (the summary, "delivered" | "duplicate")."""
    summary = parse_call_summarized(source, detail_type, detail)
    record = delivery_record(summary, event_id)
    first = store.put_delivery(summary.call_id, summary.version, record, DELIVERED)
    return summary, "delivered" if first else "duplicate"
