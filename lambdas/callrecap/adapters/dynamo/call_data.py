"""Every item stored under one call (`pk = CALL#<id>`): read them all, delete them all.

Deletes go out in BatchWriteItem requests of 25 (DynamoDB's limit); unprocessed ones are sent
again after a pause (botocore does not retry those), the call record last, so that a delete cut
short leaves the call findable and a second delete finishes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from callrecap import contracts as c
from callrecap.adapters.dynamo.codec import attr, from_item
from callrecap.adapters.dynamo.table import TableAdapter, retry_pause
from callrecap.domain.calls.export import ITEM_KEY

MAX_BATCH_WRITE = 25
MAX_ROUNDS = 8
INTERNAL_ATTRS = frozenset({c.PK, c.GSI_BY_DAY_PK, c.GSI_BY_DAY_SK, c.GSI_LIVE_CALLS_PK, c.GSI_LIVE_CALLS_SK})


class DeleteIncomplete(RuntimeError):
    """Some items stayed after the retries (throttling): deleting again finishes the job."""


class DynamoCallData(TableAdapter):
    def __init__(
        self, table_name: str, *, sleep: Callable[[float], None] = time.sleep, **kwargs: Any
    ) -> None:
        super().__init__(table_name, **kwargs)
        self._sleep = sleep

    def items_of(self, call_id: str) -> list[dict[str, Any]]:
        items = self._query_all(
            TableName=self.table_name,
            KeyConditionExpression="#pk = :pk",
            ExpressionAttributeNames={"#pk": c.PK},
            ExpressionAttributeValues={":pk": attr(c.call_pk(call_id))},
            ConsistentRead=True,
        )
        found = []
        for item in items:
            decoded = from_item(item)
            kind = decoded.pop(c.SK)
            found.append({**{k: v for k, v in decoded.items() if k not in INTERNAL_ATTRS}, ITEM_KEY: kind})
        return found

    def delete_items(self, call_id: str, items: list[dict[str, Any]]) -> int:
        keys = [self._key(call_id, str(item[ITEM_KEY])) for item in items]
        keys.sort(key=lambda key: key[c.SK]["S"] == c.CALL_META_SK)  # the call record last
        deleted = 0
        for start in range(0, len(keys), MAX_BATCH_WRITE):
            batch = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + MAX_BATCH_WRITE]]
            for attempt in range(MAX_ROUNDS):
                response = self._call("batch_write_item", RequestItems={self.table_name: batch})
                left = response.get("UnprocessedItems", {}).get(self.table_name, [])
                deleted += len(batch) - len(left)
                batch = left
                if not batch:
                    break
                self._sleep(retry_pause(attempt))
            if batch:
                raise DeleteIncomplete(f"{len(batch)} item(s) of call {call_id} not deleted yet")
        return deleted
