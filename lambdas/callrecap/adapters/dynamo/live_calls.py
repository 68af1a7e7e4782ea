"""The calls not yet ended, for the sweeper: a sharded, keys-only index read shard by shard, then
the records in batches."""

from __future__ import annotations

from typing import Any

from callrecap import contracts as c
from callrecap.adapters.dynamo.call_batches import CallRecordBatches
from callrecap.adapters.dynamo.call_queries import public_call
from callrecap.adapters.dynamo.codec import attr, from_item
from callrecap.contracts import CallAttr


class LiveCalls(CallRecordBatches):
    def list_live_calls(self, idle_before: str | None = None) -> list[dict[str, Any]]:
        """Calls not yet ended (optionally only those idle since before `idle_before`, ISO UTC).

        The index is sharded and keys-only, its sort key the minute of last activity: every shard
        is queried for candidates (`minute <= cutoff's minute`), their records are read in
        batches, and the exact lastActivityAt decides.
        """
        names = {"#pk": c.GSI_LIVE_CALLS_PK}
        condition = "#pk = :pk"
        cutoff: dict[str, Any] = {}
        if idle_before:
            condition += " AND #sk <= :cutoff"
            names["#sk"] = c.GSI_LIVE_CALLS_SK
            cutoff[":cutoff"] = attr(c.minute_of(idle_before))
        call_ids: list[str] = []
        for shard in c.live_calls_shards():
            for item in self._query_all(
                TableName=self.table_name,
                IndexName=c.GSI_LIVE_CALLS,
                KeyConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={":pk": attr(shard), **cutoff},
            ):
                call_ids.append(c.call_id_of_pk(str(from_item(item)[c.PK])))
        records = self._read_call_records(call_ids)
        calls = []
        for call_id in call_ids:
            record = records.get(call_id)
            if record is None or record.get(c.GSI_LIVE_CALLS_PK) is None:
                continue  # ended (left the index) between the query and the read
            last = str(record.get(CallAttr.LAST_ACTIVITY_AT.value, ""))
            if idle_before and last and last >= idle_before:
                continue  # active again within the cutoff's minute
            calls.append(public_call(record))
        return calls
