"""The CRM hook's contract (docs/summarization.md, "CRM hook contract") and the example delivery.

- the event is a `CallSummarized` from the project's bus, detail with callId, schemaVersion,
  version (int >= 1), kind (interim | final), sections (a non-empty object), provider, model,
  createdAt;
- an event that breaks the contract (notably empty sections) is REFUSED by raising, so
  EventBridge retries it and then parks it in the rule target's DLQ, where it stays visible;
  it is never silently recorded as delivered;
- deliveries are exactly once per (callId, version): the delivery is claimed with a conditional
  write BEFORE the CRM is called and completed after it, so a repeated event (EventBridge
  delivers at least once) or a concurrent copy never calls the CRM a second time; a failed CRM
  call gives the claim back and raises (EventBridge retries; then the on-failure destination).
  The one window left is a hook that dies between its CRM call and the completion: its claim
  expires and a retry calls the CRM again, so pass `idempotency_key` to the CRM if it takes one.

A real integration (Salesforce, Zendesk, ...) replaces `send_to_crm` with its CRM call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from callrecap.clock import utc_now_iso
from callrecap.contracts import BUS_SOURCE, SCHEMA_VERSION, BusEvent
from callrecap.domain.crm.webhook import CrmRejected
from callrecap.domain.ports import DeliveryStore

DELIVERED = "DELIVERED"
KINDS = ("interim", "final", "approved")


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
    supersedes: int = 0
    """An approved version delivered after its call's final was released at the wrap-up
    timeout: the version the CRM got then, which this one replaces (0: none)."""
    crm_release: str = ""
    """`wrap-up-timeout` on the final released because nobody approved the call in time."""
    detail: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The event's detail as received: what a built-in target (webhook) sends on."""
    event_id: str = ""


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
    supersedes = detail.get("supersedes", 0)
    if isinstance(supersedes, bool) or not isinstance(supersedes, int) or supersedes < 0:
        problems.append(f"supersedes must be a version number, got {supersedes!r}")
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
        supersedes=int(detail.get("supersedes") or 0),
        crm_release=str(detail.get("crmRelease") or ""),
        detail=dict(detail),
    )


CLAIM_SECONDS = 60
"""A delivery claim outlives the hook's 30 s timeout: a claim older than this is from a dead run."""

CrmSender = Callable[[CallSummarized, str], Mapping[str, Any]]
"""(summary, idempotency key) -> what to keep of the CRM's answer (e.g. the CRM record id)."""


class DeliveryInProgress(RuntimeError):
    """Another invocation is delivering this version right now (raised: EventBridge retries)."""


def idempotency_key(summary: CallSummarized) -> str:
    return f"{summary.call_id}#{summary.version}"


def send_to_crm(summary: CallSummarized, key: str) -> Mapping[str, Any]:
    """The example 'CRM': nothing is sent; the delivery record is the result. A real hook calls
    its CRM API here, passing `key` as its idempotency key when the API takes one."""
    return {"crmRecord": key}


def delivery_record(summary: CallSummarized, event_id: str) -> dict[str, Any]:
    """What the delivery item keeps: the summary as delivered."""
    return {
        "eventId": event_id,
        "kind": summary.kind,
        "sections": summary.sections,
        "provider": summary.provider,
        "model": summary.model,
        "summaryCreatedAt": summary.created_at,
        "deliveredAt": utc_now_iso(),
        **({"supersedes": summary.supersedes} if summary.supersedes else {}),
        **({"crmRelease": summary.crm_release} if summary.crm_release else {}),
    }


def deliver_summary(
    store: DeliveryStore,
    source: str,
    detail_type: str,
    detail: Mapping[str, Any],
    event_id: str,
    *,
    send: CrmSender = send_to_crm,
    now: Callable[[], float] = time.time,
) -> tuple[CallSummarized, str]:
    """Validate, then deliver once per (callId, version): (the summary, "delivered" | "duplicate" |
    "rejected" (the CRM refused it: FAILED with its message))."""
    summary = replace(parse_call_summarized(source, detail_type, detail), event_id=event_id)
    started = now()
    claim = store.claim_delivery(summary.call_id, summary.version, event_id, started, started + CLAIM_SECONDS)
    if claim == "delivered":
        return summary, "duplicate"
    if claim == "in-progress":
        raise DeliveryInProgress(f"version {summary.version} of call {summary.call_id} is being delivered")
    try:
        answer = send(summary, idempotency_key(summary))
    except CrmRejected as refused:
        # The CRM refused this summary: retrying the same request cannot help. Kept FAILED with
        # its message (the page shows it); `callrecap crm-redrive` may deliver it again later.
        store.fail_delivery(
            summary.call_id, summary.version, {**delivery_record(summary, event_id), "error": str(refused)}
        )
        return summary, "rejected"
    except Exception:
        store.release_delivery(summary.call_id, summary.version)
        raise
    store.complete_delivery(
        summary.call_id, summary.version, {**delivery_record(summary, event_id), **answer}
    )
    return summary, "delivered"
