"""The pages watching a live call: one item per WebSocket connection in the call's partition,
expiring with the connection (2 hours), so a call's watchers are one Query away from ingest.

The ingest function reads and forgets them (Query, DeleteItem); the live_connect function
registers them (watcher_registry.py, PutItem only): one module per role, as the grants follow."""

from __future__ import annotations

from callrecap import contracts as c
from callrecap.adapters.dynamo.codec import attr
from callrecap.adapters.dynamo.table import TableAdapter
from callrecap.adapters.dynamo.watcher_registry import CONNECTION_ID


class DynamoWatchers(TableAdapter):
    def watchers(self, call_id: str) -> list[str]:
        """Eventually consistent (half the read units): a page that has just connected reads the
        call with a GET anyway, so a push it misses is not lost."""
        found: list[str] = []
        query = {
            "TableName": self.table_name,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :watch)",
            "ExpressionAttributeNames": {"#pk": c.PK, "#sk": c.SK, "#conn": CONNECTION_ID},
            "ExpressionAttributeValues": {":pk": attr(c.call_pk(call_id)), ":watch": attr(c.WATCH_SK_PREFIX)},
            "ProjectionExpression": "#conn",
        }
        while True:
            page = self._call("query", **query)
            found += [item[CONNECTION_ID]["S"] for item in page.get("Items", []) if CONNECTION_ID in item]
            if "LastEvaluatedKey" not in page:
                return found
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def forget(self, call_id: str, connection_id: str) -> None:
        key = {c.PK: attr(c.call_pk(call_id)), c.SK: attr(c.watch_sk(connection_id))}
        self._call("delete_item", TableName=self.table_name, Key=key)
