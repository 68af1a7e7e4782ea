"""Approving a final at wrap-up: the agent's edit becomes a new summary version of kind `approved`.

Rules (docs/ui.md, "Wrap-up"):
- only on an ended call, and only the call's current summary: the newest COMPLETED final or
  approved version. Approving an older one (a newer final was written, another tab approved
  first) is a conflict naming the current version;
- the edit is checked against the section list (approval.checked_sections);
- the approved version keeps the provider, model and prompt hash of the model's draft it goes
  back to, so corrections are counted against the model and prompt that wrote them;
- one approval per draft, even under concurrent requests: the store writes the version and the
  call's approval marker in one transaction (ApprovalStore);
- CallSummarized (kind approved) is published, then the version marked published; a request
  repeated after a crash between the two finds the version unpublished and publishes it (once
  the approving request is surely over: REPUBLISH_AFTER_SECONDS, so a concurrent duplicate does
  not publish it beside its winner).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from callrecap.clock import iso, parse_iso
from callrecap.contracts import FUNCTION_TIMEOUT_SECONDS, BusEvent, CallAttr, Function
from callrecap.domain.models import CallStatus, SectionSpec, Summary, SummaryKind, SummaryStatus
from callrecap.domain.ports import ApprovalRefused, ApprovalStore, EventPublisher, SummaryReader
from callrecap.domain.summaries.approval import checked_sections, corrections
from callrecap.domain.summaries.requests import summary_event_detail

REVIEWABLE = (SummaryKind.FINAL, SummaryKind.APPROVED)
REPUBLISH_AFTER_SECONDS = FUNCTION_TIMEOUT_SECONDS[Function.APPROVALS] + 5
"""An unpublished approved version older than the approvals function's timeout was left by a
request that died between storing and publishing it."""
MAX_CHAIN = 20
"""Approvals of approvals followed back to the model's draft, at most."""


class ApprovalConflict(RuntimeError):
    """The version asked for is not the call's current summary; `current` is (0: there is none)."""

    def __init__(self, message: str, current: int) -> None:
        super().__init__(message)
        self.current = current


class ApprovalNotFound(LookupError):
    pass


class PublishMark(Protocol):
    def mark_published(self, call_id: str, version: int, at: str) -> None: ...


class ApprovalRepository(SummaryReader, ApprovalStore, PublishMark, Protocol):
    pass


@dataclass
class Approvals:
    summaries: ApprovalRepository
    publisher: EventPublisher
    sections: Sequence[SectionSpec]
    clock: Callable[[], datetime]

    def approve(self, call: Mapping[str, Any], version: int, edited: Any, author: str) -> Summary:
        """Store and publish the approved version of `version` (`call` is the record the viewer may see)."""
        call_id = str(call[CallAttr.CALL_ID.value])
        if str(call.get(CallAttr.STATUS.value, "")) != CallStatus.ENDED.value:
            raise ApprovalConflict(f"call {call_id} has not ended: its summary is approved at wrap-up", 0)
        versions = {summary.version: summary for summary in self.summaries.list_summaries(call_id)}
        draft = versions.get(version)
        if draft is None:
            raise ApprovalNotFound(f"call {call_id} has no summary version {version}")
        current = current_version(versions.values())
        if current is None or current.version != version:
            self._publish_if_unpublished(current)
            named = current.version if current else 0
            raise ApprovalConflict(
                f"version {version} of call {call_id} is not its current summary"
                + (f": the current one is version {named} ({current.kind.value})" if current else ""),
                named,
            )
        sections = checked_sections(edited, self.sections)
        model_draft = model_draft_of(draft, versions)
        now = self.clock()
        approved = Summary(
            call_id=call_id,
            version=0,
            kind=SummaryKind.APPROVED,
            status=SummaryStatus.COMPLETED,
            sections=sections,
            provider=model_draft.provider,
            model=model_draft.model,
            prompt_hash=model_draft.prompt_hash,
            transcript_revision=draft.transcript_revision,
            turn_count=draft.turn_count,
            created_at=iso(now),
            based_on=draft.version,
            approved_by=author,
            corrections=corrections(model_draft.sections, sections, self.sections),
            wrap_up_seconds=wrap_up_seconds(call, now),
        )
        try:
            stored = self.summaries.store_approval(approved)
        except ApprovalRefused as refused:
            now_current = current_version(self.summaries.list_summaries(call_id))
            self._publish_if_unpublished(now_current)
            named = now_current.version if now_current else 0
            raise ApprovalConflict(f"{refused}: the current one is version {named}", named) from refused
        self._publish(stored)
        return stored

    def _publish(self, summary: Summary) -> None:
        """CallSummarized (kind approved); `supersedes` names the final the CRM got at its wrap-up
        timeout when that came first (read after the approval was stored: domain/crm/wrap_up.py)."""
        detail = summary_event_detail(summary)
        released = self.summaries.released_version(summary.call_id)
        if released:
            detail["supersedes"] = released
        self.publisher.publish(BusEvent.CALL_SUMMARIZED, detail)
        self.summaries.mark_published(summary.call_id, summary.version, iso(self.clock()))

    def _publish_if_unpublished(self, summary: Summary | None) -> None:
        if summary is None or summary.kind is not SummaryKind.APPROVED or summary.published_at:
            return
        stored_at = parse_iso(summary.created_at)
        if stored_at is not None and (self.clock() - stored_at).total_seconds() >= REPUBLISH_AFTER_SECONDS:
            self._publish(summary)


def current_version(summaries: Any) -> Summary | None:
    """The newest COMPLETED final or approved version (what the page shows as the summary)."""
    candidates = [s for s in summaries if s.kind in REVIEWABLE and s.status is SummaryStatus.COMPLETED]
    return max(candidates, key=lambda s: s.version, default=None)


def model_draft_of(summary: Summary, versions: Mapping[int, Summary]) -> Summary:
    """The model's final an approved version goes back to (itself for a final)."""
    found = summary
    for _ in range(MAX_CHAIN):
        if found.kind is not SummaryKind.APPROVED or found.based_on not in versions:
            return found
        found = versions[found.based_on]
    return found


def wrap_up_seconds(call: Mapping[str, Any], now: datetime) -> int:
    ended = parse_iso(str(call.get(CallAttr.ENDED_AT.value, "") or ""))
    return max(0, int((now - ended).total_seconds())) if ended else -1
