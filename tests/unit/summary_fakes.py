"""In-memory fakes of the ports the summary service uses (no AWS)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from callrecap.contracts import BusEvent, CallAttr
from callrecap.domain.models import (
    CallDetails,
    CallStatus,
    Segment,
    Speaker,
    Summary,
    SummaryKind,
    SummaryStatus,
    Turn,
    Usage,
)
from callrecap.domain.ports import LeaseClaim, Page, SegmentWriteResult
from callrecap.domain.summaries.record import call_topic
from tests.helpers.sections import complete


class FakeTranscripts:
    def __init__(self) -> None:
        self.calls: dict[str, dict[str, Any]] = {}
        self.segments: dict[str, list[Segment]] = {}

    def add_call(self, call_id: str, *, status: CallStatus = CallStatus.ENDED, **attrs: Any) -> None:
        self.calls[call_id] = {
            CallAttr.CALL_ID.value: call_id,
            CallAttr.STATUS.value: status.value,
            CallAttr.TRANSCRIPT_REVISION.value: 0,
            **attrs,
        }

    def add_segment(self, call_id: str, speaker: Speaker, text: str, *, partial: bool = False) -> Segment:
        existing = self.segments.setdefault(call_id, [])
        start = float(len(existing) * 5)
        segment = Segment(call_id, f"s{len(existing)}", speaker, start, start + 4, text, partial)
        existing.append(segment)
        if not partial:
            call = self.calls[call_id]
            call[CallAttr.TRANSCRIPT_REVISION.value] = int(call[CallAttr.TRANSCRIPT_REVISION.value]) + 1
        return segment

    def put_segments(self, segments: Sequence[Segment]) -> SegmentWriteResult:
        raise NotImplementedError

    def mark_started(self, details: CallDetails, at: str) -> bool:
        raise NotImplementedError

    def mark_ended(self, details: CallDetails, at: str) -> bool:
        call = self.calls[details.call_id]
        if call[CallAttr.STATUS.value] == CallStatus.ENDED.value:
            return False
        call[CallAttr.STATUS.value] = CallStatus.ENDED.value
        call[CallAttr.ENDED_AT.value] = at
        return True

    def update_details(self, details: CallDetails, at: str) -> None:
        raise NotImplementedError

    def get_call(self, call_id: str) -> dict[str, Any] | None:
        call = self.calls.get(call_id)
        return dict(call) if call is not None else None

    def list_segments(self, call_id: str) -> list[Segment]:
        return list(self.segments.get(call_id, []))

    def list_calls(self, day: str, limit: int = 50, cursor: str | None = None) -> Page:
        return Page(items=[dict(c) for c in self.calls.values()])


class FakeSummaries:
    """SummaryRepository in memory, recording what lands on the call record."""

    def __init__(self, transcripts: FakeTranscripts | None = None) -> None:
        self.items: dict[tuple[str, int], Summary] = {}
        self.transcripts = transcripts
        self.taken_by_others: set[tuple[str, int]] = set()
        self.leases: dict[tuple[str, str], dict[str, Any]] = {}

    def next_version(self, call_id: str) -> int:
        versions = [v for (c, v) in self.items if c == call_id]
        versions += [v for (c, v) in self.taken_by_others if c == call_id]
        return max(versions, default=0) + 1

    def claim_version(self, summary: Summary) -> Summary:
        version = self.next_version(summary.call_id)
        claimed = replace(summary, version=version)
        self.items[(summary.call_id, version)] = claimed
        return claimed

    def put_summary(self, summary: Summary) -> None:
        self.items[(summary.call_id, summary.version)] = summary

    def get_summary(self, call_id: str, version: int) -> Summary | None:
        return self.items.get((call_id, version))

    def list_summaries(self, call_id: str) -> list[Summary]:
        found = [s for (c, _), s in self.items.items() if c == call_id]
        return sorted(found, key=lambda s: s.version, reverse=True)

    def set_status(
        self, call_id: str, version: int, status: SummaryStatus, *, expected: SummaryStatus
    ) -> bool:
        current = self.items.get((call_id, version))
        if current is None or current.status is not expected:
            return False
        self.items[(call_id, version)] = replace(current, status=status)
        return True

    def mark_published(self, call_id: str, version: int, at: str) -> None:
        self.items[(call_id, version)] = replace(self.items[(call_id, version)], published_at=at)

    def claim_lease(self, call_id: str, key: str, owner: str, now: float, until: float) -> LeaseClaim:
        lease = self.leases.get((call_id, key))
        if lease is not None and lease["until"] >= now:
            return LeaseClaim(claimed=False)
        previous = lease["version"] if lease is not None and lease["until"] > 0 else 0
        attempts = (lease["attempts"] if lease is not None else 0) + 1
        self.leases[(call_id, key)] = {"owner": owner, "until": until, "version": 0, "attempts": attempts}
        return LeaseClaim(claimed=True, previous_version=previous, attempts=attempts)

    def bind_lease(self, call_id: str, key: str, owner: str, version: int) -> None:
        lease = self.leases.get((call_id, key))
        if lease is not None and lease["owner"] == owner:
            lease["version"] = version

    def release_lease(self, call_id: str, key: str, owner: str) -> None:
        lease = self.leases.get((call_id, key))
        if lease is not None and lease["owner"] == owner:
            lease.update(until=0, version=0)

    def hold_lease(self, call_id: str, key: str, owner: str, until: float) -> None:
        lease = self.leases.get((call_id, key))
        if lease is not None and lease["owner"] == owner:
            lease["until"] = until

    def record_on_call(self, summary: Summary) -> None:
        if self.transcripts is None:
            return
        call = self.transcripts.calls[summary.call_id]
        latest = int(call.get(CallAttr.LATEST_SUMMARY_VERSION.value, 0))
        if summary.version < latest:
            return
        call[CallAttr.LATEST_SUMMARY_VERSION.value] = summary.version
        call[CallAttr.LATEST_SUMMARY_STATUS.value] = summary.status.value
        call[CallAttr.LATEST_SUMMARY_RETRYABLE.value] = summary.retryable
        if summary.status is SummaryStatus.COMPLETED:
            if summary.kind is SummaryKind.FINAL:
                call[CallAttr.FINAL_SUMMARY_REVISION.value] = summary.transcript_revision
            topic = call_topic(summary)
            if topic is not None:
                call[CallAttr.TOPIC.value] = topic


class FakePublisher:
    def __init__(self) -> None:
        self.events: list[tuple[BusEvent, dict[str, Any]]] = []
        self.fail_next = False

    def publish(self, event: BusEvent, detail: Mapping[str, Any]) -> None:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("bus unavailable")
        self.events.append((event, dict(detail)))

    def of(self, event: BusEvent) -> list[dict[str, Any]]:
        return [detail for kind, detail in self.events if kind is event]


@dataclass(frozen=True)
class FakeEngineResult:
    sections: Mapping[str, Any]
    usage: Usage = field(default_factory=lambda: Usage(1, 1000, 200))
    prompt_hash: str = "sha256:abc"
    model: str = "amazon.nova-lite-v1:0"
    provider: str = "bedrock"
    raw_reply: str = ""
    error: str | None = None
    retryable: bool = False
    failure_reason: str = ""
    pii_redactions: Mapping[str, int] = field(default_factory=dict)


DEFAULT_SECTIONS: dict[str, Any] = complete(
    {
        "summary": "The customer asked about a refund.",
        "topic": "refund",
        "action_items": ["send refund form"],
        "resolved": "yes",
        "customer_sentiment": "neutral",
    }
)


@dataclass
class FakeEngine:
    """Counts calls; returns `results` in order (the last one repeats)."""

    results: list[FakeEngineResult | Exception] = field(
        default_factory=lambda: [FakeEngineResult(sections=DEFAULT_SECTIONS)]
    )
    calls: list[list[Turn]] = field(default_factory=list)
    on_call: Any = None

    def __call__(self, turns: Sequence[Turn], call_id: str = "", *, language: str = "") -> FakeEngineResult:
        self.calls.append(list(turns))
        if self.on_call is not None:
            self.on_call()
        result = self.results[min(len(self.calls), len(self.results)) - 1]
        if isinstance(result, Exception):
            raise result
        return result
