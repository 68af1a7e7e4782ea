"""CRM delivery records in the single table: `CRM#<version, 6 digits>` beside the call's summaries.

A delivery is claimed before the CRM is called (IN_PROGRESS, a conditional put with a claim that
expires with the hook's timeout) and completed after (DELIVERED): a re-delivered CallSummarized
finds it DELIVERED and is acknowledged as a duplicate without calling the CRM again, and a
concurrent copy finds it IN_PROGRESS. The call record's `crmStatus` follows the completion.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callrecap import contracts as c
from callrecap.adapters.dynamo.codec import to_item
from callrecap.adapters.dynamo.summary_reads import VERSION_DIGITS
from callrecap.adapters.dynamo.table import is_condition_failure
from callrecap.adapters.dynamo.table_updates import UpdatingTable
from callrecap.contracts import CallAttr

DELIVERED = "DELIVERED"
IN_PROGRESS = "IN_PROGRESS"
FAILED = "FAILED"
ERROR_MAX_CHARS = 1_000
CLAIM_UNTIL = "claimUntil"


def delivery_sk(version: int) -> str:
    return f"{c.DELIVERY_SK_PREFIX}{version:0{VERSION_DIGITS}d}"


class DynamoDeliveryStore(UpdatingTable):
    """The CRM hook's DeliveryStore (domain.crm_delivery)."""

    def claim_delivery(self, call_id: str, version: int, event_id: str, now: float, until: float) -> str:
        item: dict[str, Any] = {
            c.PK: c.call_pk(call_id),
            c.SK: delivery_sk(version),
            "callId": call_id,
            "version": version,
            "status": IN_PROGRESS,
            "eventId": event_id,
            CLAIM_UNTIL: int(until),
        }
        expires = self._expiry_epoch()
        if expires is not None:
            item[c.TTL_ATTRIBUTE] = expires
        try:
            self._call(
                "put_item",
                TableName=self.table_name,
                Item=to_item(item),
                # Free, claimed by an invocation that died (its claim expired) or gave it back, or
                # refused by the CRM before (a redrive tries again).
                ConditionExpression=(
                    "attribute_not_exists(#sk) OR (#status = :busy AND #until < :now) OR #status = :failed"
                ),
                ExpressionAttributeNames={"#sk": c.SK, "#status": "status", "#until": CLAIM_UNTIL},
                ExpressionAttributeValues={
                    ":busy": {"S": IN_PROGRESS},
                    ":now": {"N": str(int(now))},
                    ":failed": {"S": FAILED},
                },
            )
        except Exception as error:
            if not is_condition_failure(error):
                raise
            existing = self.get_delivery(call_id, version) or {}
            return "delivered" if existing.get("status") == DELIVERED else "in-progress"
        return "claimed"

    def complete_delivery(self, call_id: str, version: int, record: Mapping[str, Any]) -> None:
        self._finish(call_id, version, record, DELIVERED, "")

    def fail_delivery(self, call_id: str, version: int, record: Mapping[str, Any]) -> None:
        self._finish(call_id, version, record, FAILED, str(record.get("error", ""))[:ERROR_MAX_CHARS])

    def _finish(self, call_id: str, version: int, record: Mapping[str, Any], status: str, error: str) -> None:
        """The delivery item in its end state, and the call record's crmStatus (and crmError,
        the CRM's own message, empty once a delivery succeeds)."""
        item: dict[str, Any] = {
            c.PK: c.call_pk(call_id),
            c.SK: delivery_sk(version),
            "callId": call_id,
            "version": version,
            **record,
            "status": status,
        }
        expires = self._expiry_epoch()
        if expires is not None:
            item[c.TTL_ATTRIBUTE] = expires
        self._call("put_item", TableName=self.table_name, Item=to_item(item))
        self._update_meta(
            call_id,
            sets=["#crm = :crm", "#error = :error"],
            names={"#pk": c.PK, "#crm": CallAttr.CRM_STATUS.value, "#error": CallAttr.CRM_ERROR.value},
            values={":crm": {"S": status}, ":error": {"S": error}},
            condition="attribute_exists(#pk)",
        )

    def release_delivery(self, call_id: str, version: int) -> None:
        try:
            self._call(
                "update_item",
                TableName=self.table_name,
                Key=self._key(call_id, delivery_sk(version)),
                UpdateExpression="SET #until = :zero",
                ConditionExpression="#status = :busy",
                ExpressionAttributeNames={"#until": CLAIM_UNTIL, "#status": "status"},
                ExpressionAttributeValues={":zero": {"N": "0"}, ":busy": {"S": IN_PROGRESS}},
            )
        except Exception as error:
            if not is_condition_failure(error):
                raise

    def get_delivery(self, call_id: str, version: int) -> dict[str, Any] | None:
        return self._read(call_id, delivery_sk(version))
