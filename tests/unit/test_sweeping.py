"""The sweep over fakes: idle calls closed once, missing/stale finals re-requested, errors isolated."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from callrecap.contracts import BusEvent, CallAttr
from callrecap.domain.models import CallDetails, CallStatus
from callrecap.domain.ports import Page
from callrecap.domain.summaries.sweeping import Sweeper
from callrecap.handlers import sweeper as sweeper_handler
from tests.helpers.context import lambda_context
from tests.unit.summary_fakes import FakePublisher

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


class FakeCalls:
    def __init__(self) -> None:
        self.calls: dict[str, dict[str, Any]] = {}
        self.released: list[str] = []
        self.page_size_seen: list[int] = []
        self.days_listed: list[str] = []

    def add(self, call_id: str, status: CallStatus, last: str, **attrs: Any) -> None:
        self.calls[call_id] = {
            CallAttr.CALL_ID.value: call_id,
            CallAttr.STATUS.value: status.value,
            CallAttr.LAST_ACTIVITY_AT.value: last,
            CallAttr.STARTED_AT.value: "2026-03-03T11:00:00.000Z",
            CallAttr.TRANSCRIPT_REVISION.value: 4,
            **attrs,
        }

    def list_live_calls(self, idle_before: str | None = None) -> list[dict[str, Any]]:
        return [
            dict(c)
            for c in self.calls.values()
            if c[CallAttr.STATUS.value] == "LIVE"
            and (idle_before is None or c[CallAttr.LAST_ACTIVITY_AT.value] < idle_before)
        ]

    def mark_ended(self, details: CallDetails, at: str) -> bool:
        call = self.calls[details.call_id]
        if call[CallAttr.STATUS.value] == "ENDED":
            return False
        call[CallAttr.STATUS.value] = "ENDED"
        call[CallAttr.ENDED_AT.value] = at
        return True

    def release_end(self, call_id: str) -> None:
        self.released.append(call_id)

    def list_calls(self, day: str, limit: int = 50, cursor: str | None = None) -> Page:
        self.page_size_seen.append(limit)
        self.days_listed.append(day)
        items = [dict(c) for c in self.calls.values() if c[CallAttr.STARTED_AT.value].startswith(day)]
        items.sort(key=lambda c: c[CallAttr.STARTED_AT.value], reverse=True)  # newest first, like byDay
        start = int(cursor or 0)
        page = items[start : start + 1]  # one a page: exercises the cursor loop
        return Page(items=page, cursor=str(start + 1) if start + 1 < len(items) else None)


def make(
    calls: FakeCalls, publisher: FakePublisher | None = None, lookback_hours: int = 24
) -> tuple[Sweeper, FakePublisher]:
    publisher = publisher or FakePublisher()
    sweeper = Sweeper(
        store=calls, publisher=publisher, idle_minutes=30, lookback_hours=lookback_hours, clock=lambda: NOW
    )
    return sweeper, publisher


def test_idle_live_call_is_closed_at_its_last_activity_and_call_ended_published() -> None:
    calls = FakeCalls()
    calls.add("idle", CallStatus.LIVE, "2026-03-03T11:10:00.000Z", transactionId="tx-1", fromNumber="+1555")
    calls.add("busy", CallStatus.LIVE, "2026-03-03T11:55:00.000Z")
    sweeper, publisher = make(calls)

    report = sweeper.sweep()

    assert report.closed == ["idle"]
    assert calls.calls["busy"][CallAttr.STATUS.value] == "LIVE"
    [ended] = publisher.of(BusEvent.CALL_ENDED)
    assert ended["callId"] == "idle"
    assert ended["transactionId"] == "tx-1"
    assert ended["fromNumber"] == "+1555"
    assert ended["endTime"] == "2026-03-03T11:10:00.000Z"
    assert ended["reason"] == "idle"
    assert ended["schemaVersion"] == "1"
    assert publisher.of(BusEvent.SUMMARY_REQUESTED) == []  # its CallEnded is enough

    again = sweeper.sweep()
    assert again.closed == []
    assert len(publisher.of(BusEvent.CALL_ENDED)) == 1


def test_stale_and_missing_finals_are_requested_failed_ones_are_not() -> None:
    calls = FakeCalls()
    ended = {"endedAt": "2026-03-03T11:00:00.000Z"}
    calls.add("stale", CallStatus.ENDED, "x", finalSummaryRevision=3, **ended)
    calls.add("fresh", CallStatus.ENDED, "x", finalSummaryRevision=4, **ended)
    calls.add("missing", CallStatus.ENDED, "x", **ended)
    calls.add("just-ended", CallStatus.ENDED, "x", endedAt="2026-03-03T11:59:00.000Z")
    calls.add(
        "failed", CallStatus.ENDED, "x", latestSummaryStatus="FAILED", latestSummaryRetryable=False, **ended
    )
    calls.add(
        "throttled", CallStatus.ENDED, "x", latestSummaryStatus="FAILED", latestSummaryRetryable=True, **ended
    )
    calls.add(
        "yesterday", CallStatus.ENDED, "x", finalSummaryRevision=1, startedAt="2026-03-02T23:59:00.000Z"
    )
    calls.add("old", CallStatus.ENDED, "x", finalSummaryRevision=1, startedAt="2026-02-01T10:00:00.000Z")
    sweeper, publisher = make(calls)

    report = sweeper.sweep()

    assert report.requested == {
        "stale": "stale",
        "missing": "missing",
        "throttled": "auto-retry",
        "yesterday": "stale",
    }
    requests = {d["callId"]: d for d in publisher.of(BusEvent.SUMMARY_REQUESTED)}
    assert requests["stale"]["kind"] == "final"
    assert requests["stale"]["requestedAt"] == "2026-03-03T12:00:00.000Z"
    assert set(calls.page_size_seen) == {100}


def test_publish_failure_releases_the_end_and_other_calls_still_swept() -> None:
    calls = FakeCalls()
    calls.add("a", CallStatus.LIVE, "2026-03-03T10:00:00.000Z")
    calls.add("b", CallStatus.LIVE, "2026-03-03T10:00:00.000Z")
    publisher = FakePublisher()
    publisher.fail_next = True
    sweeper, _ = make(calls, publisher)

    report = sweeper.sweep()

    assert report.closed == ["b"]
    assert calls.released == ["a"]
    assert "ConnectionError" in report.errors["a"]


def test_handler_raises_after_sweeping_when_some_calls_failed() -> None:
    calls = FakeCalls()
    calls.add("a", CallStatus.LIVE, "2026-03-03T10:00:00.000Z")
    publisher = FakePublisher()
    publisher.fail_next = True
    sweeper, _ = make(calls, publisher)
    sweeper_handler.set_dependencies(sweeper_handler.SweeperDependencies(sweeper=sweeper))
    try:
        with pytest.raises(sweeper_handler.SweepIncomplete, match="1 call"):
            sweeper_handler.handler({"detail-type": "Scheduled Event"}, lambda_context())  # type: ignore[arg-type]
        result = sweeper_handler.handler({}, lambda_context())  # type: ignore[arg-type]
    finally:
        sweeper_handler.set_dependencies(None)
    assert result["errors"] == {}


def test_final_requests_look_back_a_bounded_time_and_stop_paging_early() -> None:
    calls = FakeCalls()
    ended = {"endedAt": "2026-03-03T11:00:00.000Z", "finalSummaryRevision": 1}
    calls.add("today", CallStatus.ENDED, "x", startedAt="2026-03-03T01:00:00.000Z", **ended)
    calls.add("late-yesterday", CallStatus.ENDED, "x", startedAt="2026-03-02T23:00:00.000Z", **ended)
    calls.add("too-old", CallStatus.ENDED, "x", startedAt="2026-03-02T21:00:00.000Z", **ended)
    calls.add("older", CallStatus.ENDED, "x", startedAt="2026-03-02T20:00:00.000Z", **ended)
    sweeper, _ = make(calls, lookback_hours=14)

    report = sweeper.sweep()

    assert report.requested == {"today": "stale", "late-yesterday": "stale"}
    assert calls.days_listed == ["2026-03-03", "2026-03-02", "2026-03-02"]  # one call a page, stopped early


def test_lookback_within_today_reads_only_today() -> None:
    calls = FakeCalls()
    sweeper, _ = make(calls, lookback_hours=12)
    sweeper.sweep()
    assert calls.days_listed == ["2026-03-03"]
