"""Live updates: what a page watching a live call is pushed, and the tickets that let it watch.

Why push: at 10,000 open pages, polling twice a second is 20,000 API requests a second, twice the
account's default quota (docs/capacity.md). A page instead opens the live-updates WebSocket with
a ticket from `POST /calls/{callId}/live` (issued only to a viewer who may see the call, signed,
valid for LIVE_TICKET_SECONDS), and the ingest function pushes each batch's segments to the
call's watchers right after storing them.

Delivery is best effort and at least once: a push that fails is logged and dropped, because the
page also reads the call with a GET every `liveReconcileMs` and whenever its socket reopens; a
duplicate changes nothing (the page merges segments by id). Pure: the signer, the watcher store
and the connections are ports (adapters: KMS HMAC, DynamoDB, API Gateway's management API).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from callrecap.contracts import (
    LIVE_MESSAGE_MAX_BYTES,
    LIVE_TICKET_SECONDS,
    LIVE_WATCH_SECONDS,
    CallAttr,
    LiveMessage,
)
from callrecap.domain.calls.browsing import CallBrowser, Conflict, segment_view
from callrecap.domain.models import CallStatus, Segment
from callrecap.domain.ports import Connections, TicketSigner, TicketVerifier, WatcherRegistry, WatcherStore

log = logging.getLogger(__name__)


class LiveUpdatesOff(Exception):
    """This deployment has no live-updates WebSocket API: pages poll."""


@dataclass(frozen=True)
class Ticket:
    call_id: str
    viewer: str
    expires_at: int  # epoch seconds


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_ticket(signer: TicketSigner, call_id: str, viewer: str, now: float) -> str:
    """`<payload>.<mac>`, both base64url: the call, who asked, and until when it may be used."""
    payload = json.dumps(
        {"c": call_id, "v": viewer, "x": int(now) + LIVE_TICKET_SECONDS}, separators=(",", ":")
    ).encode()
    return f"{_b64(payload)}.{_b64(signer.sign(payload))}"


def redeem_ticket(verifier: TicketVerifier, ticket: str, now: float) -> Ticket | None:
    """The ticket's content, or None when it is malformed, forged or expired."""
    try:
        payload_text, mac_text = ticket.split(".")
        payload, mac = _unb64(payload_text), _unb64(mac_text)
        data = json.loads(payload)
        found = Ticket(call_id=str(data["c"]), viewer=str(data["v"]), expires_at=int(data["x"]))
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    if found.expires_at < now or not found.call_id:
        return None
    return found if verifier.verify(payload, mac) else None


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def encode(message: Mapping[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":"), default=_json_default).encode()


def segments_message(
    call_id: str, segments: Sequence[Segment], call: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": LiveMessage.SEGMENTS.value,
        "callId": call_id,
        "segments": [segment_view(s) for s in segments],
    }
    if call is not None:
        message["call"] = dict(call)
    return message


def changed_message(call_id: str) -> dict[str, Any]:
    return {"type": LiveMessage.CHANGED.value, "callId": call_id}


def viewer_name(browser: CallBrowser) -> str:
    role = browser.viewer.role.value if browser.viewer.role is not None else "none"
    return f"{role}:{browser.viewer.identity}" if browser.viewer.identity else role


@dataclass
class LiveTickets:
    """`POST /calls/{callId}/live`: a ticket for a viewer who may see the call, while it is live."""

    signer: TicketSigner
    url: str

    def open(self, browser: CallBrowser, call_id: str, now: float) -> dict[str, Any]:
        call = browser.visible_call(call_id)  # NotFound for a call this viewer may not see
        if call.get(CallAttr.STATUS.value) != CallStatus.LIVE.value:
            raise Conflict(f"call {call_id} is not live: nothing to watch")
        ticket = issue_ticket(self.signer, call_id, viewer_name(browser), now)
        return {"url": self.url, "ticket": ticket, "expiresInSeconds": LIVE_TICKET_SECONDS}


@dataclass
class LiveConnections:
    """The WebSocket's $connect: a valid ticket makes the connection a watcher of its call."""

    verifier: TicketVerifier
    watchers: WatcherRegistry

    def connect(self, connection_id: str, ticket: str | None, now: float) -> Ticket | None:
        redeemed = redeem_ticket(self.verifier, ticket or "", now)
        if redeemed is not None:
            expires_at = int(now) + LIVE_WATCH_SECONDS
            self.watchers.add_watcher(redeemed.call_id, connection_id, redeemed.viewer, expires_at)
        return redeemed


@dataclass
class LiveFanout:
    """Pushes messages to every page watching a call; forgets the connections that are gone."""

    watchers: WatcherStore
    connections: Connections

    def push(self, call_id: str, message: Mapping[str, Any]) -> int:
        data = encode(message)
        if len(data) > LIVE_MESSAGE_MAX_BYTES:
            data = encode(changed_message(call_id))
        delivered = 0
        for connection_id in self.watchers.watchers(call_id):
            if self.connections.post(connection_id, data):
                delivered += 1
            else:
                self.watchers.forget(call_id, connection_id)
        return delivered

    def after_batch(
        self,
        segments: Iterable[Segment],
        *,
        not_stored: set[str],
        calls: Mapping[str, Mapping[str, Any]],
        changed: Iterable[str] = (),
    ) -> None:
        """Push each call's stored segments (with its record when the batch read it back), and a
        `changed` to calls whose state changed otherwise (they ended). Never raises."""
        by_call: dict[str, list[Segment]] = defaultdict(list)
        for segment in segments:
            if segment.call_id not in not_stored:
                by_call[segment.call_id].append(segment)
        messages = [(c, segments_message(c, group, calls.get(c))) for c, group in by_call.items()]
        messages += [(c, changed_message(c)) for c in dict.fromkeys(changed)]
        for call_id, message in messages:
            try:
                self.push(call_id, message)
            except Exception:  # the page reconciles with a GET: never fail the batch for a push
                log.warning("live update not pushed", extra={"callId": call_id}, exc_info=True)
