"""The call record's CRM release marker (crmSendOn approval-or-timeout, domain/crm/wrap_up.py): the
wrap-up function sets it, an approval reads it. Its own module so the wrap-up function's role
needs only reads and UpdateItem."""

from __future__ import annotations

from callrecap import contracts as c
from callrecap.adapters.dynamo.summary_reads import DynamoSummaryReader
from callrecap.adapters.dynamo.table_updates import UpdatingTable
from callrecap.contracts import CallAttr


class DynamoCrmRelease(DynamoSummaryReader, UpdatingTable):
    """WrapUpStore: a summary version read, and the release marker on the call record."""

    def released_version(self, call_id: str) -> int:
        response = self._call(
            "get_item",
            TableName=self.table_name,
            Key=self._meta_key(call_id),
            ConsistentRead=True,
            ProjectionExpression="#released",
            ExpressionAttributeNames={"#released": CallAttr.CRM_RELEASED_VERSION.value},
        )
        released = response.get("Item", {}).get(CallAttr.CRM_RELEASED_VERSION.value)
        return int(released["N"]) if released else 0

    def release_final(self, call_id: str, version: int) -> bool:
        """Conditional on the call record: no approval yet, no newer final released (the same one
        again is fine: a redelivered timeout publishes again and the CRM hook drops the copy)."""
        return self._update_meta(
            call_id,
            sets=["#released = :v"],
            names={
                "#pk": c.PK,
                "#released": CallAttr.CRM_RELEASED_VERSION.value,
                "#draft": CallAttr.APPROVED_DRAFT_VERSION.value,
            },
            values={":v": {"N": str(version)}},
            condition=(
                "attribute_exists(#pk) AND attribute_not_exists(#draft)"
                " AND (attribute_not_exists(#released) OR #released <= :v)"
            ),
        )
