"""The scheduled sweep: close calls whose end was lost, and re-request finals that are missing or stale.

Pure over ports. Two passes:
1. LIVE calls idle for longer than `idle_minutes` (no record since `lastActivityAt`) are marked
   ended at their last activity and CallEnded is published, so a call whose END / streaming
   ENDED event was lost still gets its final summary. `mark_ended` is conditional: if the
   lifecycle function ends the call at the same moment, exactly one of them publishes.
2. ENDED calls started within the last `lookback_hours` (default 12; read newest first from
   the by-day index of today and yesterday, stopping at the first older call) whose final
   summary is stale (a segment arrived after it) or missing (ended more than `idle_minutes`
   ago, yet no final) get a SummaryRequested{kind: final}. A call whose latest summary FAILED
   for a reason that may pass (throttling, 5xx: `latestSummaryRetryable`) gets
   `reason: auto-retry`, which the service honours a bounded number of times; other failures
   are left for an explicit retry, so a broken provider is not paid again every sweep. The
   summarizer is idempotent, so a request that races a normal run costs two table reads, not
   an LLM call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from callrecap.clock import iso, parse_iso
from callrecap.contracts import SCHEMA_VERSION, BusEvent, CallAttr
from callrecap.domain.models import CallDetails, CallStatus, SummaryKind, SummaryStatus
from callrecap.domain.ports import EventPublisher, SweepStore
from callrecap.domain.summaries.runs import ReasonCode, int_or_zero

logger = logging.getLogger(__name__)

PAGE_SIZE = 100
DEFAULT_LOOKBACK_HOURS = 12
"""How far back (by start time) the sweep looks for missing or stale finals: a bound on its reads."""
REASON_MISSING = ReasonCode.MISSING


@dataclass
class SweepReport:
    closed: list[str] = field(default_factory=list)
    requested: dict[str, str] = field(default_factory=dict)  # callId -> reason
    errors: dict[str, str] = field(default_factory=dict)  # callId -> error

    def as_dict(self) -> dict[str, Any]:
        return {"closed": self.closed, "requested": self.requested, "errors": self.errors}


def details_of(call: Mapping[str, Any]) -> CallDetails:
    def text(attr: CallAttr) -> str | None:
        value = call.get(attr.value)
        return str(value) if value not in (None, "") else None

    return CallDetails(
        call_id=str(call[CallAttr.CALL_ID.value]),
        transaction_id=text(CallAttr.TRANSACTION_ID),
        voice_connector_id=text(CallAttr.VOICE_CONNECTOR_ID),
        from_number=text(CallAttr.FROM_NUMBER),
        to_number=text(CallAttr.TO_NUMBER),
        direction=text(CallAttr.DIRECTION),
        agent_id=text(CallAttr.AGENT_ID),
    )


def call_ended_detail(call: Mapping[str, Any], ended_at: str) -> dict[str, Any]:
    """CallEnded as the lifecycle function sends it, plus `reason: idle`."""
    details = details_of(call)
    return {
        "callId": details.call_id,
        "schemaVersion": SCHEMA_VERSION,
        "transactionId": details.transaction_id,
        "voiceConnectorId": details.voice_connector_id,
        "fromNumber": details.from_number,
        "toNumber": details.to_number,
        "direction": details.direction,
        "startTime": call.get(CallAttr.STARTED_AT.value),
        "endTime": ended_at,
        "reason": ReasonCode.IDLE,
    }


def final_request_reason(call: Mapping[str, Any], grace_cutoff: datetime) -> str | None:
    """Why this call needs a (new) final summary now, or None."""
    if call.get(CallAttr.STATUS.value) != CallStatus.ENDED.value:
        return None
    if call.get(CallAttr.LATEST_SUMMARY_STATUS.value) == SummaryStatus.FAILED.value:
        # throttling/5xx may pass: the service bounds these attempts (MAX_AUTOMATIC_ATTEMPTS)
        return ReasonCode.AUTO_RETRY if call.get(CallAttr.LATEST_SUMMARY_RETRYABLE.value) is True else None
    revision = int_or_zero(call.get(CallAttr.TRANSCRIPT_REVISION.value))
    final_revision = call.get(CallAttr.FINAL_SUMMARY_REVISION.value)
    if final_revision is not None:
        return ReasonCode.STALE if revision > int_or_zero(final_revision) else None
    ended = parse_iso(call.get(CallAttr.ENDED_AT.value))
    if ended is not None and ended < grace_cutoff:
        return REASON_MISSING
    return None


class Sweeper:
    def __init__(
        self,
        *,
        store: SweepStore,
        publisher: EventPublisher,
        idle_minutes: int,
        lookback_hours: int = DEFAULT_LOOKBACK_HOURS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._idle = timedelta(minutes=idle_minutes)
        self._lookback = timedelta(hours=lookback_hours)
        self._clock = clock

    def sweep(self) -> SweepReport:
        report = SweepReport()
        now = self._clock()
        cutoff = now - self._idle
        self._close_idle_calls(cutoff, report)
        self._request_finals(now, cutoff, report)
        return report

    def _close_idle_calls(self, cutoff: datetime, report: SweepReport) -> None:
        for call in self._store.list_live_calls(idle_before=iso(cutoff)):
            call_id = str(call.get(CallAttr.CALL_ID.value, ""))
            last = parse_iso(call.get(CallAttr.LAST_ACTIVITY_AT.value))
            if not call_id or (last is not None and last >= cutoff):
                continue  # the index entry was older than the record: it is not idle
            ended_at = iso(last) if last is not None else iso(cutoff)
            try:
                if not self._store.mark_ended(details_of(call), ended_at):
                    continue  # ended by the lifecycle function meanwhile: it published CallEnded
                try:
                    self._publisher.publish(BusEvent.CALL_ENDED, call_ended_detail(call, ended_at))
                except Exception:
                    self._store.release_end(call_id)
                    raise
            except Exception as error:  # one bad call must not stop the sweep of the others
                logger.exception("closing idle call %s failed", call_id)
                report.errors[call_id] = f"{type(error).__name__}: {error}"
                continue
            report.closed.append(call_id)

    def _request_finals(self, now: datetime, cutoff: datetime, report: SweepReport) -> None:
        for call in self._recent_calls(now):
            call_id = str(call.get(CallAttr.CALL_ID.value, ""))
            if not call_id or call_id in report.closed:
                continue
            reason = final_request_reason(call, cutoff)
            if reason is None:
                continue
            try:
                self._publisher.publish(
                    BusEvent.SUMMARY_REQUESTED,
                    {
                        "callId": call_id,
                        "schemaVersion": SCHEMA_VERSION,
                        "kind": SummaryKind.FINAL.value,
                        "reason": reason,
                        "requestedAt": iso(now),
                    },
                )
            except Exception as error:
                logger.exception("requesting a final summary for %s failed", call_id)
                report.errors[call_id] = f"{type(error).__name__}: {error}"
                continue
            report.requested[call_id] = reason

    def _recent_calls(self, now: datetime) -> Iterator[dict[str, Any]]:
        """Calls started since now - lookback, newest first (the by-day index order)."""
        since = now - self._lookback
        days = [now]
        if since.date() < now.date():
            days.append(now - timedelta(days=1))
        for day in days:
            cursor: str | None = None
            while True:
                page = self._store.list_calls(day.strftime("%Y-%m-%d"), limit=PAGE_SIZE, cursor=cursor)
                for call in page.items:
                    started = parse_iso(call.get(CallAttr.STARTED_AT.value))
                    if started is not None and started < since:
                        return  # newest first: every later call, and the day before, is older still
                    yield call
                cursor = page.cursor
                if not cursor:
                    break
