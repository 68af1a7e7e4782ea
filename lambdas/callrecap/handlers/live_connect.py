"""The live-updates WebSocket API's $connect route (domain.live_updates.LiveConnections).

A page connects with `?ticket=` from `POST /calls/{callId}/live`; a valid ticket makes the
connection a watcher of that call (200), anything else is refused before the socket opens (403).
There is no $disconnect route: a closed page's watcher is forgotten the first time a push to it
finds the connection gone, or when its item expires.
"""

from __future__ import annotations

import time
from typing import Any

from callrecap import wiring
from callrecap.contracts import LIVE_TICKET_QUERY
from callrecap.domain.live.updates import LiveConnections
from callrecap.handlers._container import Lazy
from callrecap.handlers.observability import call_context, entry_point, logger

__all__ = ["LiveConnections", "handler", "set_dependencies"]

_container: Lazy[LiveConnections] = Lazy(wiring.live_connect)
dependencies, set_dependencies = _container.get, _container.set


@entry_point()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    connection_id = str(event.get("requestContext", {}).get("connectionId", ""))
    ticket = (event.get("queryStringParameters") or {}).get(LIVE_TICKET_QUERY)
    watched = dependencies().connect(connection_id, ticket, time.time()) if connection_id else None
    if watched is None:
        logger.warning("live connection refused: no valid ticket", extra={"connectionId": connection_id})
        return {"statusCode": 403, "body": "Forbidden"}
    with call_context(watched.call_id):
        logger.info("page watching the call", extra={"connectionId": connection_id, "viewer": watched.viewer})
    return {"statusCode": 200}
