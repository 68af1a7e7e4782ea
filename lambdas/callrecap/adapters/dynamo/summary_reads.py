"""Reads of a call's summary versions: the API function is wired with these alone (read-only)."""

from __future__ import annotations

from callrecap import contracts as c
from callrecap.adapters.dynamo.codec import attr, from_item
from callrecap.adapters.dynamo.table import TableAdapter
from callrecap.domain.models import Summary
from callrecap.domain.summaries.record import summary_from_record

VERSION_DIGITS = 6


def summary_sk(version: int) -> str:
    return f"{c.SUMMARY_SK_PREFIX}{version:0{VERSION_DIGITS}d}"


class DynamoSummaryReader(TableAdapter):
    """get_summary / list_summaries over the single table."""

    def get_summary(self, call_id: str, version: int) -> Summary | None:
        record = self._read(call_id, summary_sk(version))
        return summary_from_record(record) if record else None

    def list_summaries(self, call_id: str) -> list[Summary]:
        """Every version of the call, newest first."""
        items = self._query_all(
            TableName=self.table_name,
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :sum)",
            ExpressionAttributeNames={"#pk": c.PK, "#sk": c.SK},
            ExpressionAttributeValues={
                ":pk": attr(c.call_pk(call_id)),
                ":sum": {"S": c.SUMMARY_SK_PREFIX},
            },
            ScanIndexForward=False,
            ConsistentRead=True,
        )
        return [summary_from_record(from_item(item)) for item in items]
