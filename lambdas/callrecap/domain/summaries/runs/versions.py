"""Which stored versions answer a request, which are out of date, and which wait to be resumed:
decisions over a call's list of summary versions, without I/O."""

from __future__ import annotations

from collections.abc import Sequence

from callrecap.contracts import FailureReason
from callrecap.domain.models import Summary, SummaryKind, SummaryStatus

MAX_AUTOMATIC_ATTEMPTS = 3
"""Failed finals of one transcript revision after which automatic retries stop (the API can still retry)."""


def covering(existing: Sequence[Summary], kind: SummaryKind, revision: int) -> Summary | None:
    """The newest COMPLETED summary that already answers this request, if any.

    A final is answered by a final of the same revision; an interim ("Summarize now") by any
    summary of the same revision, since nothing was said since.
    """
    for summary in reversed(existing):
        if summary.status is not SummaryStatus.COMPLETED or summary.transcript_revision != revision:
            continue
        if kind is SummaryKind.INTERIM or summary.kind is SummaryKind.FINAL:
            return summary
    return None


def outdated_finals(existing: Sequence[Summary], revision: int) -> list[Summary]:
    """COMPLETED finals of an earlier transcript revision: they become STALE."""
    return [
        s
        for s in existing
        if s.kind is SummaryKind.FINAL
        and s.status is SummaryStatus.COMPLETED
        and s.transcript_revision < revision
    ]


def exhausted_attempts(existing: Sequence[Summary], revision: int) -> Summary | None:
    """The last failed final of this revision when automatic retries are used up, else None."""
    failures = [
        s
        for s in existing
        if s.kind is SummaryKind.FINAL
        and s.status is SummaryStatus.FAILED
        and s.transcript_revision == revision
    ]
    return failures[-1] if len(failures) >= MAX_AUTOMATIC_ATTEMPTS else None


def is_deferred(summary: Summary) -> bool:
    """A version kept PENDING by a run that was throttled and put back (SummaryService's defer)."""
    return summary.status is SummaryStatus.PENDING and summary.failure_reason == FailureReason.THROTTLED


def deferred_final(existing: Sequence[Summary]) -> Summary | None:
    """The newest final version left PENDING by a run deferred for throttling, if any."""
    return next((s for s in reversed(existing) if s.kind is SummaryKind.FINAL and is_deferred(s)), None)


def fresh_attempt_left(existing: Sequence[Summary], kind: SummaryKind, revision: int) -> bool:
    """Whether an unusable reply (INVALID_OUTPUT) of this final may be tried once more from scratch:
    a model can answer a fresh request well where it garbled the first and its repair. Once per
    transcript revision; the retry counts toward MAX_AUTOMATIC_ATTEMPTS like any other."""
    return kind is SummaryKind.FINAL and not any(
        s.kind is SummaryKind.FINAL
        and s.status is SummaryStatus.FAILED
        and s.transcript_revision == revision
        and s.failure_reason == FailureReason.INVALID_OUTPUT
        for s in existing
    )
