"""What the agent's page may ask of the pipeline: calls of a day, one call's transcript since a
cursor, its summaries, and "summarize now" / retry. Pure: stores and the bus are ports; the HTTP
API (handlers.api) only maps these answers and errors to HTTP.

Every answer is for one viewer (domain.access): the list holds only the calls the viewer may
see, and a call the viewer may not see is answered exactly like a call that does not exist.

Errors are typed so the API answers them precisely: `InvalidRequest` (400), `NotFound` (404),
`Conflict` (409, a retry of a version that did not fail).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from callrecap.clock import iso
from callrecap.contracts import SCHEMA_VERSION, BusEvent
from callrecap.domain.calls.access import AccessPolicy, Viewer
from callrecap.domain.models import CallStatus, Segment, SummaryKind, SummaryStatus
from callrecap.domain.ports import CallReader, EventPublisher, SummaryReader
from callrecap.domain.summaries.record import SummaryAttr, summary_to_record
from callrecap.domain.summaries.requests import ReasonCode

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InvalidRequest(ValueError):
    """The request cannot be answered as asked (a bad day, limit, cursor or version)."""


class NotFound(LookupError):
    """No such call, or no such summary version."""


class Conflict(RuntimeError):
    """The request contradicts the current state (retrying a version that did not fail)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def segment_view(segment: Segment) -> dict[str, Any]:
    view: dict[str, Any] = {
        "segmentId": segment.segment_id,
        "speaker": segment.speaker.value,
        "startTime": segment.start_time,
        "endTime": segment.end_time,
        "text": segment.text,
        "isPartial": segment.is_partial,
        "channel": segment.channel,
        "createdAt": segment.created_at,
    }
    if segment.sentiment:
        view["sentiment"] = segment.sentiment
    return view


def parse_day(raw: str | None, today: datetime) -> str:
    day = raw or today.date().isoformat()
    if not _DAY.match(day):
        raise InvalidRequest(f"day must be a date like 2025-01-31, got {day!r}")
    try:
        datetime.strptime(day, "%Y-%m-%d")
    except ValueError as error:
        raise InvalidRequest(f"day {day!r} is not a calendar date") from error
    return day


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise InvalidRequest(f"limit must be an integer from 1 to {MAX_PAGE_SIZE}, got {raw!r}")
    return int(raw)


@dataclass
class CallBrowser:
    transcripts: CallReader
    summaries: SummaryReader
    publisher: EventPublisher
    viewer: Viewer
    policy: AccessPolicy = field(default_factory=AccessPolicy)
    clock: Callable[[], datetime] = utc_now

    def _now_iso(self) -> str:
        return iso(self.clock())

    def _call(self, call_id: str) -> dict[str, Any]:
        call = self.transcripts.get_call(call_id)
        if not call or not self.policy.can_see(self.viewer, call):  # another agent's call: 404 too
            raise NotFound(f"call {call_id} not found")
        return dict(call)

    def visible_call(self, call_id: str) -> dict[str, Any]:
        """The call record, if this viewer may see it (NotFound otherwise)."""
        return self._call(call_id)

    def list_calls(self, day: str | None, limit: str | None, cursor: str | None) -> dict[str, Any]:
        """Calls that started on `day` (UTC, default today), newest first, paginated."""
        day = parse_day(day, self.clock())
        try:
            page = self.transcripts.list_calls(day, limit=parse_limit(limit), cursor=cursor)
        except ValueError as error:  # a cursor this API did not issue
            raise InvalidRequest(str(error)) from error
        # Filtered here, server-side: a page may hold fewer calls than `limit`; follow nextCursor.
        return {"day": day, "calls": self.policy.visible(self.viewer, page.items), "nextCursor": page.cursor}

    def call_with_segments(self, call_id: str, since: str | None) -> dict[str, Any]:
        """The call record and the transcript segments changed since the `since` cursor."""
        call = self._call(call_id)
        try:  # the record just read is passed on: one read per poll
            segments, cursor = self.transcripts.list_segments_since(call_id, since, call_record=call)
        except ValueError as error:
            raise InvalidRequest(str(error)) from error
        return {"call": call, "segments": [segment_view(s) for s in segments], "nextCursor": cursor}

    def list_summaries(self, call_id: str) -> dict[str, Any]:
        """Every summary version, newest first, without the raw replies kept for diagnosis."""
        self._call(call_id)
        ordered = sorted(self.summaries.list_summaries(call_id), key=lambda s: s.version, reverse=True)
        records = []
        for summary in ordered:
            record = summary_to_record(summary)
            record.pop(SummaryAttr.RAW_REPLY, None)
            records.append(record)
        return {"callId": call_id, "summaries": records}

    def request_summary(self, call_id: str) -> dict[str, Any]:
        """ "Summarize now": an interim summary while the call is live, a final one after it."""
        call = self._call(call_id)
        live = str(call.get("status", "")) != CallStatus.ENDED.value
        if live and not int(call.get("transcriptRevision") or 0):
            raise Conflict(f"nothing to summarize yet: no words of call {call_id} have been transcribed")
        kind = SummaryKind.INTERIM if live else SummaryKind.FINAL
        return self._publish(call_id, kind, ReasonCode.ON_DEMAND.value)

    def retry_summary(self, call_id: str, version: str) -> dict[str, Any]:
        """Ask again for a version that did not complete (FAILED, a PENDING one whose run was
        stopped, STALE): a new version is produced, the old one is kept. A run still holding the
        version's lease makes the request a no-op (domain.summary_runs)."""
        if not version.isdigit() or int(version) < 1:
            raise InvalidRequest(f"version must be a positive integer, got {version!r}")
        self._call(call_id)
        summary = self.summaries.get_summary(call_id, int(version))
        if summary is None:
            raise NotFound(f"call {call_id} has no summary version {version}")
        if summary.status is SummaryStatus.COMPLETED:
            raise Conflict(
                f"summary version {version} of call {call_id} is COMPLETED; only a version that "
                "did not complete can be retried"
            )
        return self._publish(call_id, summary.kind, ReasonCode.RETRY.value, version=summary.version)

    def _publish(
        self, call_id: str, kind: SummaryKind, reason: str, *, version: int | None = None
    ) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "callId": call_id,
            "schemaVersion": SCHEMA_VERSION,
            "kind": kind.value,
            "reason": reason,
        }
        if version is not None:
            detail["version"] = version
        detail["requestedAt"] = self._now_iso()
        self.publisher.publish(BusEvent.SUMMARY_REQUESTED, detail)
        return detail
