"""Registers a page as a watcher of a live call (the live_connect function; the items are
described in live_watchers.py). Its own client, not TableAdapter's: this function's role may only
put these items, nothing else of the table."""

from __future__ import annotations

from typing import Any

from callrecap import contracts as c
from callrecap.adapters.aws_clients import new_client
from callrecap.adapters.dynamo.codec import attr

CONNECTION_ID = "connectionId"
VIEWER = "viewer"


class DynamoWatcherRegistry:
    def __init__(self, table_name: str, *, client: Any | None = None) -> None:
        self.table_name = table_name
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = new_client("dynamodb")
        return self._client

    def add_watcher(self, call_id: str, connection_id: str, viewer: str, expires_at: int) -> None:
        item = {
            c.PK: attr(c.call_pk(call_id)),
            c.SK: attr(c.watch_sk(connection_id)),
            CONNECTION_ID: attr(connection_id),
            VIEWER: attr(viewer),
            c.TTL_ATTRIBUTE: {"N": str(expires_at)},
        }
        self.client.put_item(TableName=self.table_name, Item=item)
