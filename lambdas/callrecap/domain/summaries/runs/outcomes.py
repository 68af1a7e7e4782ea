"""What one summary run did, as types: the handler carries out steps, it never matches strings."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from callrecap.domain.models import Summary, SummaryKind
from callrecap.domain.summaries.requests import ReasonCode


class Action(StrEnum):
    """What the run did with the request."""

    COMPLETED = "completed"  # a version was stored COMPLETED and CallSummarized published
    FAILED = "failed"  # a version was stored FAILED and SummaryFailed published
    SKIPPED = "skipped"  # nothing to do (see SkipReason)
    REPUBLISHED = "republished"  # an answering version's lost event was published again
    DEFERRED = "deferred"  # the model is throttled: the version waits PENDING, the request comes back


class SkipReason(StrEnum):
    """Why a run stored nothing new (the service's own decisions, beside the request's ReasonCode)."""

    UNKNOWN_CALL = "unknown-call"
    RETRY_VERSION_NOT_FOUND = "retry-version-not-found"
    RETRY_VERSION_COMPLETED = "retry-version-completed"
    UP_TO_DATE = "up-to-date"  # a COMPLETED version already covers the transcript
    UNPUBLISHED = "unpublished"  # ... and its event had been lost (Action.REPUBLISHED)
    SETTLING = "settling"  # the ended call's transcript is still moving: look again shortly
    IN_PROGRESS = "in-progress"  # another run holds the lease
    ATTEMPTS_EXHAUSTED = "attempts-exhausted"  # automatic retries of this revision are used up
    THROTTLED = "throttled"  # Action.DEFERRED


@dataclass(frozen=True)
class SummaryOutcome:
    call_id: str
    action: Action
    reason: ReasonCode | SkipReason | str
    summary: Summary | None = None
    kind: SummaryKind = SummaryKind.FINAL
    """The kind of summary the request asked for."""

    @property
    def ran(self) -> bool:
        """A model run finished with a stored COMPLETED or FAILED version (worth a metric)."""
        return self.action in (Action.COMPLETED, Action.FAILED) and self.summary is not None

    @property
    def closes_the_transcript(self) -> bool:
        """A final request got past settling and throttling: the whole transcript is known now
        (the moment the stored transcript is retagged, redactStoredTranscript)."""
        return (
            self.kind is SummaryKind.FINAL
            and self.reason != SkipReason.SETTLING
            and self.action != Action.DEFERRED
        )

    def as_response(self) -> dict[str, Any]:
        """The summarizer's return value (and its log line's keys)."""
        summary = self.summary
        return {
            "callId": self.call_id,
            "action": self.action.value,
            "reason": str(self.reason),
            "version": summary.version if summary else None,
            "status": summary.status.value if summary else None,
        }

    def log_fields(self) -> dict[str, Any]:
        """The keys of the summarizer's line for this run: its response, the kind and the error."""
        summary = self.summary
        return {
            **self.as_response(),
            "kind": self.kind.value,
            "error": summary.error if summary else "",
            "failureReason": summary.failure_reason if summary else "",
        }
