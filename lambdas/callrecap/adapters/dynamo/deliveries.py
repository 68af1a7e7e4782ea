"""CRM delivery records in the single table: `CRM#<version, 6 digits>` beside the call's summaries.

A delivery of one summary version is written once (`attribute_not_exists`): a re-delivered
CallSummarized finds it and is acknowledged as a duplicate. The call record's `crmStatus` follows.
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


def delivery_sk(version: int) -> str:
    return f"{c.DELIVERY_SK_PREFIX}{version:0{VERSION_DIGITS}d}"


class DynamoDeliveryStore(UpdatingTable):
    """The CRM hook's DeliveryStore (domain.crm_delivery)."""

    def put_delivery(self, call_id: str, version: int, record: Mapping[str, Any], status: str) -> bool:
        """Store the delivery of a summary version once; False when it was already delivered."""
        item: dict[str, Any] = {
            c.PK: c.call_pk(call_id),
            c.SK: delivery_sk(version),
            "callId": call_id,
            "version": version,
            "status": status,
            **record,
        }
        expires = self._expiry_epoch()
        if expires is not None:
            item[c.TTL_ATTRIBUTE] = expires
        try:
            self._call(
                "put_item",
                TableName=self.table_name,
                Item=to_item(item),
                ConditionExpression="attribute_not_exists(#sk)",
                ExpressionAttributeNames={"#sk": c.SK},
            )
        except Exception as error:
            if is_condition_failure(error):
                return False
            raise
        self._update_meta(
            call_id,
            sets=["#crm = :crm"],
            names={"#pk": c.PK, "#crm": CallAttr.CRM_STATUS.value},
            values={":crm": {"S": status}},
            condition="attribute_exists(#pk)",
        )
        return True

    def get_delivery(self, call_id: str, version: int) -> dict[str, Any] | None:
        return self._read(call_id, delivery_sk(version))
