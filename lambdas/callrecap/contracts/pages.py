"""What the agent's page talks to: the HTTP API's routes, the live-updates WebSocket's tickets and
messages, and the requests a second one open page makes (for the stage throttle)."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

API_ROUTES: Final[tuple[tuple[str, str], ...]] = (
    ("GET", "/calls"),  # ?day=YYYY-MM-DD&cursor=...: calls of a day, newest first
    ("GET", "/calls/{callId}"),  # ?since=CURSOR: the call record and transcript segments since cursor
    ("GET", "/calls/{callId}/summaries"),  # every summary version, newest first
    ("POST", "/calls/{callId}/summaries"),  # "Summarize now": puts SummaryRequested on the bus
    ("POST", "/calls/{callId}/summaries/{version}/retry"),  # retry a FAILED summary
    ("POST", "/calls/{callId}/live"),  # a ticket to watch a live call over the WebSocket API
)
"""Routes of the HTTP API; the CDK stack creates exactly these, the api handler serves them."""

HTTP_API_PAYLOAD_LIMIT_BYTES: Final = 10 * 1024 * 1024
"""API Gateway's payload size quota, 10 MB, not adjustable (docs.aws.amazon.com/apigateway/latest/
developerguide/limits.html): a larger request is answered 413 before any function runs."""

CALL_DATA_ROUTES: Final[tuple[tuple[str, str], ...]] = (
    ("GET", "/calls/{callId}/export"),  # every stored item of one call, as JSON (admins)
    ("DELETE", "/calls/{callId}"),  # delete every stored item of one call (admins)
)
"""Routes of the same HTTP API served by the call_data function, whose role may delete: the api
function's role stays read-only."""

APPROVAL_ROUTES: Final[tuple[tuple[str, str], ...]] = (
    ("GET", "/sections"),  # the section list as configured: what an approved edit may hold
    # the agent's corrected sections become an `approved` version (body {"sections": {...}})
    ("POST", "/calls/{callId}/summaries/{version}/approve"),
)
"""Routes of the same HTTP API served by the approvals function, whose role may write a summary
version and the call's approval marker (and nothing else)."""


LIVE_TICKET_SECONDS: Final = 60
"""How long a ticket from `POST /calls/{callId}/live` may be used to open the WebSocket."""

LIVE_WATCH_SECONDS: Final = 2 * 3600
"""A watcher item's time to live: API Gateway closes a WebSocket connection after 2 hours."""

LIVE_MESSAGE_MAX_BYTES: Final = 32 * 1024
"""The largest message pushed to a page: one WebSocket frame (API Gateway: 32 KB frames, 128 KB
messages). A larger update is sent as `changed`, and the page reads it with one GET."""

LIVE_TICKET_MAC_ALGORITHM: Final = "HMAC_SHA_256"
"""KMS MAC algorithm of live tickets (the HMAC_256 key infra/live.py creates)."""

LIVE_TICKET_QUERY: Final = "ticket"
"""The $connect query-string parameter that carries the ticket."""


class LiveMessage(StrEnum):
    """`type` of a message pushed to a watching page."""

    SEGMENTS = "segments"  # new or changed segments of the call, and its record when known
    CHANGED = "changed"  # something else changed (the call ended, an update too large): GET it


PAGE_REQUESTS_PER_SECOND: Final = 0.5
"""HTTP API requests a second per open page, with live updates pushed over the WebSocket API: a
safety read of the call every 30 s, the call list every 5 s for a supervisor, summaries polled
while one is awaited (2 a second for a few seconds), tickets. A page whose socket is down polls 2
a second; when many do, the stage throttles them and their pollers back off (docs/capacity.md)."""

__all__ = [
    "API_ROUTES",
    "APPROVAL_ROUTES",
    "CALL_DATA_ROUTES",
    "HTTP_API_PAYLOAD_LIMIT_BYTES",
    "LIVE_MESSAGE_MAX_BYTES",
    "LIVE_TICKET_MAC_ALGORITHM",
    "LIVE_TICKET_QUERY",
    "LIVE_TICKET_SECONDS",
    "LIVE_WATCH_SECONDS",
    "PAGE_REQUESTS_PER_SECOND",
    "LiveMessage",
]
