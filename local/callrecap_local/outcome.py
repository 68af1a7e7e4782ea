"""What happened to a replayed call, read back from the table the handlers wrote.

Reads items directly with the key names of `callrecap.contracts` (call META, SEG#, SUM#, CRM#)
so that waiting for a call costs one query, whatever adapter wrote the items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callrecap import contracts
from callrecap.contracts import CallAttr

FINAL = "final"
COMPLETED = "COMPLETED"
FAILED = "FAILED"
TIMEOUT = "TIMEOUT"


@dataclass
class CallOutcome:
    call_id: str
    call_status: str = ""
    segments: int = 0
    summary_status: str = ""
    """Status of the newest final summary (COMPLETED, FAILED, ...); empty while there is none."""
    sections: dict[str, Any] = field(default_factory=dict)
    summaries: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    crm_status: str = ""
    transcript_revision: int = 0
    """The call's transcriptRevision (bumped by every final segment stored)."""
    summary_error: str = ""
    """Why the newest final summary failed, in words (the JSON line's `error`)."""
    failure_reason: str = ""
    """... and as its typed reason (contracts.FailureReason; the JSON line's `failureReason`)."""
    summary_provider: str = ""
    summary_model: str = ""
    approved_version: int = 0
    """The newest version an agent approved at wrap-up (0: not approved)."""
    summary_revision: int = -1
    """The transcriptRevision the newest final summary covers (-1: no final yet)."""
    summary_version: int = 0
    agent_id: str = ""
    """The call record's agentId (who the producer said handled the call; "" when none did)."""
    records_quarantined: int = 0
    """Records of the call that ingest quarantined (filled in by the replay, from the queue)."""
    records_ignored: int = 0
    """Records of the call that carry no speech, ignored and counted (filled in by the replay)."""

    @property
    def finished(self) -> bool:
        """The newest final summary covers the stored transcript and reached an end state; if it
        completed, the CRM hook recorded its delivery.

        A final written before the last segments landed (CallEnded can overtake the stream) is
        not the end: the pipeline re-summarizes it, so waiting goes on.
        """
        if not self.summarized:
            return False
        if self.summary_status == FAILED:
            return True
        delivered = any(int(d.get("version", 0)) == self.summary_version for d in self.deliveries)
        return self.summary_status == COMPLETED and delivered

    @property
    def summarized(self) -> bool:
        """The newest final covers the stored transcript and reached an end state (delivered or
        not: with crmSendOn approval the CRM gets nothing until the agent approves)."""
        if self.summary_revision < self.transcript_revision:
            return False
        return self.summary_status in (COMPLETED, FAILED)

    def _delivery_status(self) -> str | None:
        """Status of the CRM delivery of the newest final (else the call's crmStatus)."""
        for delivery in self.deliveries:
            if int(delivery.get("version", 0)) == self.summary_version:
                return str(delivery.get("status") or "DELIVERED")
        return self.crm_status or None

    def as_json(self, status: str | None = None) -> dict[str, Any]:
        return {
            "callId": self.call_id,
            "segments": self.segments,
            "status": status or self.summary_status or self.call_status or "UNKNOWN",
            "sections": self.sections,
            "crmHook": self._delivery_status(),
            "agentId": self.agent_id,
            "recordsQuarantined": self.records_quarantined,
            "recordsIgnored": self.records_ignored,
            "provider": self.summary_provider,
            "model": self.summary_model,
            "failureReason": self.failure_reason,
            "error": self.summary_error,
            "approval": "approved" if self.approved_version else "not approved",
            "approvedVersion": self.approved_version or None,
        }


def read_outcome(table: Any, call_id: str) -> CallOutcome:
    """`table` is a boto3 DynamoDB Table resource."""
    outcome = CallOutcome(call_id)
    items = _query_all(table, contracts.call_pk(call_id))
    finals: list[dict[str, Any]] = []
    segment_items = 0
    for item in items:
        sk = str(item[contracts.SK])
        if sk == contracts.CALL_META_SK:
            outcome.call_status = str(item.get(CallAttr.STATUS.value, ""))
            outcome.agent_id = str(item.get(CallAttr.AGENT_ID.value, "") or "")
            outcome.crm_status = str(item.get(CallAttr.CRM_STATUS.value, "") or "")
            if CallAttr.SEGMENT_COUNT.value in item:
                outcome.segments = int(item[CallAttr.SEGMENT_COUNT.value])
            outcome.transcript_revision = int(item.get(CallAttr.TRANSCRIPT_REVISION.value, 0) or 0)
        elif sk.startswith(contracts.SEGMENT_SK_PREFIX):
            if not item.get("isPartial"):
                segment_items += 1
        elif sk.startswith(contracts.SUMMARY_SK_PREFIX):
            outcome.summaries.append(item)
            if str(item.get("kind", "")).lower() == FINAL:
                finals.append(item)
        elif sk.startswith(contracts.DELIVERY_SK_PREFIX):
            outcome.deliveries.append(item)
    approved = [int(s.get("version", 0)) for s in outcome.summaries if str(s.get("kind", "")) == "approved"]
    outcome.approved_version = max(approved, default=0)
    if not outcome.segments:
        outcome.segments = segment_items
    if finals:
        newest = max(finals, key=lambda i: int(i.get("version", 0)))
        outcome.summary_status = str(newest.get("status", ""))
        outcome.summary_version = int(newest.get("version", 0))
        outcome.summary_error = str(newest.get("error", "") or "")
        outcome.failure_reason = str(newest.get("failureReason", "") or "")
        outcome.summary_provider = str(newest.get("provider", "") or "")
        outcome.summary_model = str(newest.get("model", "") or "")
        outcome.summary_revision = int(newest.get("transcriptRevision", 0) or 0)
        sections = newest.get("sections") or {}
        outcome.sections = _plain(sections) if isinstance(sections, dict) else {}
    return outcome


def _query_all(table: Any, pk: str) -> list[dict[str, Any]]:
    from boto3.dynamodb.conditions import Key

    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"KeyConditionExpression": Key(contracts.PK).eq(pk), "ConsistentRead": True}
    while True:
        page = table.query(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _plain(value: Any) -> Any:
    """DynamoDB Decimals -> int/float so the outcome prints as JSON."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value
