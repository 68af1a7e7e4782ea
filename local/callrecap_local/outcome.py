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

    @property
    def finished(self) -> bool:
        """A final summary reached an end state and, if it completed, the CRM hook got it."""
        if self.summary_status == FAILED:
            return True
        return self.summary_status == COMPLETED and bool(self.deliveries or self.crm_status)

    def as_json(self, status: str | None = None) -> dict[str, Any]:
        return {
            "callId": self.call_id,
            "segments": self.segments,
            "status": status or self.summary_status or self.call_status or "UNKNOWN",
            "sections": self.sections,
            "crmHook": self.crm_status
            or (_delivery_status(self.deliveries[-1]) if self.deliveries else None),
        }


def _delivery_status(item: dict[str, Any]) -> str:
    return str(item.get("status") or item.get("deliveryStatus") or "DELIVERED")


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
            outcome.crm_status = str(item.get(CallAttr.CRM_STATUS.value, "") or "")
            if CallAttr.SEGMENT_COUNT.value in item:
                outcome.segments = int(item[CallAttr.SEGMENT_COUNT.value])
        elif sk.startswith(contracts.SEGMENT_SK_PREFIX):
            if not item.get("isPartial"):
                segment_items += 1
        elif sk.startswith(contracts.SUMMARY_SK_PREFIX):
            outcome.summaries.append(item)
            if str(item.get("kind", "")).lower() == FINAL:
                finals.append(item)
        elif sk.startswith(contracts.DELIVERY_SK_PREFIX):
            outcome.deliveries.append(item)
    if not outcome.segments:
        outcome.segments = segment_items
    if finals:
        newest = max(finals, key=lambda i: int(i.get("version", 0)))
        outcome.summary_status = str(newest.get("status", ""))
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
