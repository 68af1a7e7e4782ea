"""domain.live_updates with fakes: tickets (signed, expiring, bound to a call and a viewer), the
$connect decision, the fan-out to a call's watchers, and the ingest batch that pushes what it
stored (never failing the batch for a push)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from callrecap.contracts import LIVE_MESSAGE_MAX_BYTES, LIVE_TICKET_SECONDS, LIVE_WATCH_SECONDS
from callrecap.domain.calls.access import Role, Viewer
from callrecap.domain.calls.browsing import CallBrowser, Conflict, NotFound
from callrecap.domain.live.updates import (
    LiveConnections,
    LiveFanout,
    LiveTickets,
    issue_ticket,
    redeem_ticket,
)
from callrecap.domain.models import Segment, Speaker

NOW = 1_800_000_000.0


class FakeMac:
    def __init__(self, secret: bytes = b"k") -> None:
        self.secret = secret

    def sign(self, message: bytes) -> bytes:
        return hmac.new(self.secret, message, hashlib.sha256).digest()

    def verify(self, message: bytes, mac: bytes) -> bool:
        return hmac.compare_digest(self.sign(message), mac)


@dataclass
class FakeWatchers:
    by_call: dict[str, list[str]] = field(default_factory=dict)
    added: list[tuple[str, str, str, int]] = field(default_factory=list)
    forgotten: list[tuple[str, str]] = field(default_factory=list)

    def add_watcher(self, call_id: str, connection_id: str, viewer: str, expires_at: int) -> None:
        self.added.append((call_id, connection_id, viewer, expires_at))
        self.by_call.setdefault(call_id, []).append(connection_id)

    def watchers(self, call_id: str) -> list[str]:
        return list(self.by_call.get(call_id, []))

    def forget(self, call_id: str, connection_id: str) -> None:
        self.forgotten.append((call_id, connection_id))
        self.by_call[call_id].remove(connection_id)


@dataclass
class FakeConnections:
    gone: set[str] = field(default_factory=set)
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fail: bool = False

    def post(self, connection_id: str, data: bytes) -> bool:
        if self.fail:
            raise RuntimeError("management API down")
        if connection_id in self.gone:
            return False
        self.sent.append((connection_id, json.loads(data)))
        return True


def seg(call: str, n: int, text: str = "words") -> Segment:
    return Segment(call, f"s{n}", Speaker.CUSTOMER, float(n), n + 0.5, f"{text} {n}", False)


def test_a_ticket_names_its_call_and_viewer_and_expires() -> None:
    mac = FakeMac()
    ticket = issue_ticket(mac, "call-1", "agent:ann", NOW)
    redeemed = redeem_ticket(mac, ticket, NOW + LIVE_TICKET_SECONDS - 1)
    assert redeemed is not None and (redeemed.call_id, redeemed.viewer) == ("call-1", "agent:ann")
    assert redeem_ticket(mac, ticket, NOW + LIVE_TICKET_SECONDS + 1) is None  # expired


@pytest.mark.parametrize("tamper", ["other key", "payload", "garbage", "empty"])
def test_a_forged_or_malformed_ticket_is_refused(tamper: str) -> None:
    ticket = issue_ticket(FakeMac(), "call-1", "agent:ann", NOW)
    if tamper == "other key":
        assert redeem_ticket(FakeMac(b"other"), ticket, NOW) is None
        return
    forged = {
        "payload": issue_ticket(FakeMac(), "call-2", "agent:ann", NOW).split(".")[0]
        + "."
        + ticket.split(".")[1],
        "garbage": "not-a-ticket",
        "empty": "",
    }[tamper]
    assert redeem_ticket(FakeMac(), forged, NOW) is None


def test_connect_registers_the_watcher_until_the_connection_would_expire() -> None:
    watchers = FakeWatchers()
    connections = LiveConnections(FakeMac(), watchers)
    ticket = issue_ticket(FakeMac(), "call-1", "supervisor", NOW)
    assert connections.connect("conn-1", ticket, NOW) is not None
    assert watchers.added == [("call-1", "conn-1", "supervisor", int(NOW) + LIVE_WATCH_SECONDS)]
    assert connections.connect("conn-2", None, NOW) is None
    assert len(watchers.added) == 1


class Calls:
    def __init__(self, calls: dict[str, dict[str, Any]]) -> None:
        self.calls = calls

    def get_call(self, call_id: str) -> dict[str, Any] | None:
        return self.calls.get(call_id)


def browser(viewer: Viewer, calls: dict[str, dict[str, Any]]) -> CallBrowser:
    return CallBrowser(Calls(calls), None, None, viewer)  # type: ignore[arg-type]


def test_tickets_are_issued_only_for_a_live_call_the_viewer_may_see() -> None:
    calls = {
        "mine": {"callId": "mine", "status": "LIVE", "agentId": "ann"},
        "theirs": {"callId": "theirs", "status": "LIVE", "agentId": "bob"},
        "over": {"callId": "over", "status": "ENDED", "agentId": "ann"},
    }
    tickets = LiveTickets(FakeMac(), "wss://live.example/live")
    ann = browser(Viewer(Role.AGENT, "ann"), calls)
    grant = tickets.open(ann, "mine", NOW)
    assert grant["url"] == "wss://live.example/live" and grant["expiresInSeconds"] == LIVE_TICKET_SECONDS
    redeemed = redeem_ticket(FakeMac(), grant["ticket"], NOW)
    assert redeemed is not None and redeemed.viewer == "agent:ann"
    with pytest.raises(NotFound):
        tickets.open(ann, "theirs", NOW)  # another agent's call: as if it did not exist
    with pytest.raises(Conflict):
        tickets.open(ann, "over", NOW)


def test_fanout_pushes_each_calls_segments_to_its_watchers_and_forgets_the_gone() -> None:
    watchers = FakeWatchers({"a": ["c1", "c2"], "b": ["c3"]})
    connections = FakeConnections(gone={"c2"})
    fanout = LiveFanout(watchers, connections)
    fanout.after_batch(
        [seg("a", 1), seg("b", 1), seg("a", 2), seg("x", 1)],
        not_stored={"x"},
        calls={"a": {"callId": "a", "status": "LIVE", "transcriptRevision": 2}},
        changed=["b"],
    )
    to_c1 = [m for conn, m in connections.sent if conn == "c1"]
    assert [s["segmentId"] for s in to_c1[0]["segments"]] == ["s1", "s2"]
    assert to_c1[0]["call"]["transcriptRevision"] == 2
    to_c3 = [m for conn, m in connections.sent if conn == "c3"]
    assert [m["type"] for m in to_c3] == ["segments", "changed"]
    assert "call" not in to_c3[0]  # the batch did not read b's record back
    assert watchers.forgotten == [("a", "c2")]
    assert not [m for _, m in connections.sent if m["callId"] == "x"]  # not stored: not pushed


def test_an_update_over_one_frame_is_sent_as_changed() -> None:
    connections = FakeConnections()
    fanout = LiveFanout(FakeWatchers({"a": ["c1"]}), connections)
    long_text = "x" * LIVE_MESSAGE_MAX_BYTES
    fanout.after_batch([seg("a", 1, long_text)], not_stored=set(), calls={})
    assert connections.sent == [("c1", {"type": "changed", "callId": "a"})]


def test_a_failed_push_never_fails_the_batch() -> None:
    fanout = LiveFanout(FakeWatchers({"a": ["c1"]}), FakeConnections(fail=True))
    fanout.after_batch([seg("a", 1)], not_stored=set(), calls={})  # logged, not raised
