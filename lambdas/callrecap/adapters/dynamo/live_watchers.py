"""The pages watching a live call: one item per WebSocket connection in the call's partition,
expiring with the connection (2 hours), so a call's watchers are one Query away from ingest.

The live_connect function registers them (`add_watcher`: its role may only PutItem these items);
the ingest function reads and forgets them (Query, DeleteItem). One adapter over one item shape;
the grants, not the classes, keep each function to its part."""

from __future__ import annotations

from callrecap import contracts as c
from callrecap.adapters.dynamo.codec import attr
from callrecap.adapters.dynamo.table import TableAdapter

CONNECTION_ID = "connectionId"
VIEWER = "viewer"


class DynamoWatchers(TableAdapter):
    def add_watcher(self, call_id: str, connection_id: str, viewer: str, expires_at: int) -> None:
        item = {
            **self._key(call_id, c.watch_sk(connection_id)),
            CONNECTION_ID: attr(connection_id),
            VIEWER: attr(viewer),
            c.TTL_ATTRIBUTE: attr(expires_at),
        }
        self._call("put_item", TableName=self.table_name, Item=item)

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
        self._call(
            "delete_item", TableName=self.table_name, Key=self._key(call_id, c.watch_sk(connection_id))
        )
