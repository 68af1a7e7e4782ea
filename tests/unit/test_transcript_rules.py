"""Pure transcript rules (domain.transcript) and exactly-once announcements (domain.call_lifecycle)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callrecap.contracts import BusEvent, CallAttr
from callrecap.domain.models import CallDetails, CallEndObserved, CallStartObserved, Segment, Speaker
from callrecap.domain.transcripts.lifecycle import announce_end, announce_start, final_summary_is_stale
from callrecap.domain.transcripts.rules import in_spoken_order, plan_batch, resolve, segment_digest, to_turns


def seg(
    sid: str,
    start: float,
    text: str = "x",
    *,
    partial: bool = False,
    end: float = 0.0,
    speaker: Speaker = Speaker.AGENT,
) -> Segment:
    return Segment("c", sid, speaker, start, end or start + 1, text, partial)


def test_plan_prefers_final_over_partial_in_either_order() -> None:
    for batch in (
        [seg("a", 1, "he", partial=True), seg("a", 1, "hello")],
        [seg("a", 1, "hello"), seg("a", 1, "he", partial=True)],
    ):
        plan = plan_batch(batch)
        assert [(s.text, s.is_partial) for s in plan.segments] == [("hello", False)]
        assert plan.origins == {("c", "a"): [0, 1]}


def test_plan_counts_exact_copies_as_duplicates() -> None:
    plan = plan_batch([seg("a", 1), seg("a", 1), seg("b", 2)])
    assert (len(plan.segments), plan.duplicates, plan.superseded) == (2, 1, 0)


def test_plan_keeps_the_longest_partial_and_the_latest_final() -> None:
    plan = plan_batch([seg("a", 1, "hel", partial=True, end=1.5), seg("a", 1, "h", partial=True, end=1.2)])
    assert plan.segments[0].text == "hel"
    plan = plan_batch([seg("a", 1, "first"), seg("a", 1, "corrected")])
    assert plan.segments[0].text == "corrected"


def test_digest_sees_every_visible_field() -> None:
    base = seg("a", 1, "hello")
    assert segment_digest(base) == segment_digest(seg("a", 1, "hello"))
    assert segment_digest(base) != segment_digest(seg("a", 1, "hello", partial=True))
    assert segment_digest(base) != segment_digest(seg("a", 1, "hello", speaker=Speaker.CUSTOMER))


@given(st.permutations([seg(f"s{i}", float(i)) for i in range(8)]))
def test_spoken_order_whatever_the_arrival(arrival: list[Segment]) -> None:
    assert [s.segment_id for s in in_spoken_order(arrival)] == [f"s{i}" for i in range(8)]


@given(st.permutations([seg("a", 1, "he", partial=True), seg("a", 1, "hello"), seg("b", 2, "b")]))
def test_resolve_is_order_independent(arrival: list[Segment]) -> None:
    assert [(s.segment_id, s.text) for s in resolve(arrival)] == [("a", "hello"), ("b", "b")]


def test_turns_merge_consecutive_speakers_and_skip_partials_on_request() -> None:
    segments = [
        seg("a", 1, "Hi."),
        seg("b", 2, "How can I help?"),
        seg("c", 3, "My order.", speaker=Speaker.CUSTOMER),
        seg("d", 4, "wai", partial=True),
    ]
    turns = to_turns(segments, include_partials=False)
    assert [(t.speaker, t.text) for t in turns] == [
        ("AGENT", "Hi. How can I help?"),
        ("CUSTOMER", "My order."),
    ]


class FakeStore:
    def __init__(self) -> None:
        self.started: set[str] = set()
        self.ended: set[str] = set()

    def mark_started(self, details: CallDetails, at: str) -> bool:
        first = details.call_id not in self.started
        self.started.add(details.call_id)
        return first

    def mark_ended(self, details: CallDetails, at: str) -> bool:
        first = details.call_id not in self.ended
        self.ended.add(details.call_id)
        return first

    def release_start(self, call_id: str) -> None:
        self.started.discard(call_id)

    def release_end(self, call_id: str) -> None:
        self.ended.discard(call_id)

    def get_call(self, call_id: str) -> dict[str, Any] | None:
        return {CallAttr.STARTED_AT.value: "2026-01-01T00:00:00.000Z"}


class Bus:
    def __init__(self, fail: int = 0) -> None:
        self.events: list[tuple[BusEvent, dict[str, Any]]] = []
        self.fail = fail

    def publish(self, event: BusEvent, detail: Any) -> None:
        if self.fail:
            self.fail -= 1
            raise ConnectionError("down")
        self.events.append((event, dict(detail)))


def test_announcements_happen_once_and_survive_a_publish_failure() -> None:
    store, bus = FakeStore(), Bus(fail=1)
    start = CallStartObserved(CallDetails("c", from_number="+1"), "2026-01-01T00:00:00Z", "test")
    with pytest.raises(ConnectionError):
        announce_start(store, bus, start)
    assert announce_start(store, bus, start) is True
    assert announce_start(store, bus, start) is False
    end = CallEndObserved(CallDetails("c"), "2026-01-01T00:05:00Z", "test")
    assert announce_end(store, bus, end) and not announce_end(store, bus, end)
    assert [e for e, _ in bus.events] == [BusEvent.CALL_STARTED, BusEvent.CALL_ENDED]
    started, ended = bus.events[0][1], bus.events[1][1]
    assert started["fromNumber"] == "+1" and started["schemaVersion"] == "1"
    assert ended["endTime"] == "2026-01-01T00:05:00Z" and ended["startTime"] == "2026-01-01T00:00:00.000Z"


@pytest.mark.parametrize(
    ("record", "stale"),
    [
        (None, False),
        ({"status": "LIVE", "transcriptRevision": 5, "finalSummaryRevision": 3}, False),
        ({"status": "ENDED", "transcriptRevision": 5}, False),
        ({"status": "ENDED", "transcriptRevision": 5, "finalSummaryRevision": 5}, False),
        ({"status": "ENDED", "transcriptRevision": 6, "finalSummaryRevision": 5}, True),
    ],
)
def test_final_summary_staleness(record: dict[str, Any] | None, stale: bool) -> None:
    assert final_summary_is_stale(record) is stale
