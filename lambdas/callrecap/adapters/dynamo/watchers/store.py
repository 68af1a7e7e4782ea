"""DynamoWatcherStore (domain port WatcherStore): ingest finds a call's watching pages and forgets
the ones whose connection is gone."""

from __future__ import annotations

from callrecap import contracts as c
from callrecap.adapters.dynamo.codec import attr
from callrecap.adapters.dynamo.table import TableAdapter
from callrecap.adapters.dynamo.watchers.items import CONNECTION_ID, watcher_key


class DynamoWatcherStore(TableAdapter):
    def watchers(self, call_id: str) -> list[str]:
        """Eventually consistent (half the read units): a page that has just connected reads the
        call with a GET anyway, so a push it misses is not lost."""
        items = self._query_all(
            TableName=self.table_name,
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :watch)",
            ExpressionAttributeNames={"#pk": c.PK, "#sk": c.SK, "#conn": CONNECTION_ID},
            ExpressionAttributeValues={":pk": attr(c.call_pk(call_id)), ":watch": attr(c.WATCH_SK_PREFIX)},
            ProjectionExpression="#conn",
        )
        return [item[CONNECTION_ID]["S"] for item in items if CONNECTION_ID in item]

    def forget(self, call_id: str, connection_id: str) -> None:
        self._call("delete_item", TableName=self.table_name, Key=watcher_key(call_id, connection_id))
