"""One call's data on request: export it whole (a subject-access request) or delete it. Admins only.

"One call's data" is every item stored under the call: the call record, its transcript segments,
its summary versions and its CRM delivery records. An export returns them as stored (the table's
keys left out); a delete removes them all and is idempotent (deleting a deleted call finds nothing
and says so). What the pipeline keeps outside the table is not reached: the quarantine queue keeps
an unreadable record for its retention (14 days), the Kinesis stream for 24 hours, and the
function logs for `logRetentionDays` (docs/deploy.md, "Your data").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from callrecap import contracts as c
from callrecap.domain.calls.access import AccessPolicy, Role, Viewer
from callrecap.domain.calls.browsing import NotFound
from callrecap.domain.ports import CallDataStore
from callrecap.domain.transcripts.rules import stored_spoken_order_key

ITEM_KEY = "itemKey"
"""Where a store puts each item's sort key (META, SEG#…, SUM#…, CRM#…) in what `items_of` returns."""


class Forbidden(PermissionError):
    """The viewer may see the call but not do this to it (only admins export or delete)."""


def _kind(item: Mapping[str, Any]) -> str:
    return str(item.get(ITEM_KEY, ""))


@dataclass
class CallData:
    store: CallDataStore
    viewer: Viewer
    policy: AccessPolicy = field(default_factory=AccessPolicy)

    def _items(self, call_id: str) -> list[dict[str, Any]]:
        items = self.store.items_of(call_id)
        record = next((i for i in items if _kind(i) == c.CALL_META_SK), None)
        if record is None or not self.policy.can_see(self.viewer, record):
            raise NotFound(f"call {call_id} not found")
        if self.viewer.role is not Role.ADMIN:
            raise Forbidden(f"only admins may export or delete a call's data (call {call_id})")
        return items

    def export(self, call_id: str) -> dict[str, Any]:
        items = self._items(call_id)
        by_kind: dict[str, list[dict[str, Any]]] = {"segments": [], "summaries": [], "crmDeliveries": []}
        call: dict[str, Any] = {}
        for item in items:
            kind = _kind(item)
            body = {k: v for k, v in item.items() if k != ITEM_KEY}
            if kind == c.CALL_META_SK:
                call = body
            elif kind.startswith(c.SEGMENT_SK_PREFIX):
                by_kind["segments"].append(body)
            elif kind.startswith(c.SUMMARY_SK_PREFIX):
                by_kind["summaries"].append(body)
            elif kind.startswith(c.DELIVERY_SK_PREFIX):
                by_kind["crmDeliveries"].append(body)
        by_kind["segments"].sort(key=stored_spoken_order_key)
        return {"callId": call_id, "call": call, **by_kind}

    def delete(self, call_id: str) -> dict[str, Any]:
        items = self._items(call_id)
        deleted = self.store.delete_items(call_id, items)
        return {"callId": call_id, "deletedItems": deleted}
