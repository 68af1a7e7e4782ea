"""DynamoWatcherRegistry (domain port WatcherRegistry): live_connect's one write. Its own client,
not TableAdapter's, so that the function's role holds PutItem on these items and nothing else."""

from __future__ import annotations

from typing import Any

from callrecap.adapters.aws_clients import LazyClient
from callrecap.adapters.dynamo.watchers.items import watcher_item


class DynamoWatcherRegistry:
    client = LazyClient("dynamodb")

    def __init__(self, table_name: str, *, client: Any | None = None) -> None:
        self.table_name = table_name
        self._client = client

    def add_watcher(self, call_id: str, connection_id: str, viewer: str, expires_at: int) -> None:
        item = watcher_item(call_id, connection_id, viewer, expires_at)
        self.client.put_item(TableName=self.table_name, Item=item)
