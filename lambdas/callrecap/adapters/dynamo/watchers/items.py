"""A watcher item: its key and attributes (no client here: both adapters import this)."""

from __future__ import annotations

from typing import Any

from callrecap import contracts as c
from callrecap.adapters.dynamo.codec import attr

CONNECTION_ID = "connectionId"
VIEWER = "viewer"


def watcher_key(call_id: str, connection_id: str) -> dict[str, Any]:
    return {c.PK: attr(c.call_pk(call_id)), c.SK: attr(c.watch_sk(connection_id))}


def watcher_item(call_id: str, connection_id: str, viewer: str, expires_at: int) -> dict[str, Any]:
    return {
        **watcher_key(call_id, connection_id),
        CONNECTION_ID: attr(connection_id),
        VIEWER: attr(viewer),
        c.TTL_ATTRIBUTE: attr(expires_at),
    }
