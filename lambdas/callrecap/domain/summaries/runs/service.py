"""When a call gets a stored, versioned summary: `SummaryService.handle` takes one request through
its steps; each job it delegates has its own module in this package.

Rules (docs/summarization.md, "Summaries and versions"):
- a run is a lease on (call, kind, transcript revision) (leases.py): a second claimant does
  nothing; a lease found expired means its run was stopped at the function's timeout, and that
  run's PENDING version becomes FAILED (TIMEOUT, retryable), counting toward the retry cap;
- every run takes a new version (the store's conditional put makes two concurrent runs pick
  different versions), stored PENDING first, then COMPLETED or FAILED, always before the
  function's deadline: the engine runs in a time box (attempts.py) that gives up on a model when
  only the margin is left (FAILED, TIMEOUT, retryable);
- a final is idempotent on the transcript (versions.py): a COMPLETED final of the call's current
  transcriptRevision answers a repeated CallEnded without a model call; a final that an arriving
  segment made out of date is marked STALE and a new version is written; after a final is stored
  the revision is read again and another run requested if the transcript moved meanwhile;
- an ended call still settling (settling.py) is answered SETTLING, and looked at again shortly;
- a failure that another provider might not have is handed to the llmFallback chain (fallback.py);
  a throttled final with time left on its queue is deferred: the version waits PENDING;
- success publishes CallSummarized with the sections; failure is stored FAILED with the error and
  raw reply (stored_result.py) and publishes SummaryFailed, so the CRM never sees an empty summary;
  an event is published only after its version is stored, and marked published after (publishing.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from callrecap.clock import iso, parse_iso, utc_now_iso
from callrecap.contracts import FUNCTION_TIMEOUT_SECONDS, CallAttr, FailureReason, Function
from callrecap.domain.models import Segment, Summary, SummaryKind, SummaryStatus, Turn
from callrecap.domain.ports import Engine, EventPublisher, SummaryRepository, TranscriptStore
from callrecap.domain.summaries.cost import PriceTable
from callrecap.domain.summaries.requests import ReasonCode, SummaryRunRequest
from callrecap.domain.summaries.runs.attempts import Attempt, TimeBox, run_inline
from callrecap.domain.summaries.runs.fallback import FallbackChain
from callrecap.domain.summaries.runs.leases import Lease, RunLeases
from callrecap.domain.summaries.runs.outcomes import Action, SkipReason, SummaryOutcome
from callrecap.domain.summaries.runs.publishing import VersionEvents, int_or_zero
from callrecap.domain.summaries.runs.settling import is_settling
from callrecap.domain.summaries.runs.stored_result import stored_version
from callrecap.domain.summaries.runs.versions import (
    covering,
    deferred_final,
    exhausted_attempts,
    fresh_attempt_left,
    is_deferred,
    outdated_finals,
)
from callrecap.domain.transcripts.rules import final_turns

logger = logging.getLogger(__name__)

__all__ = ["SummaryService", "int_or_zero", "is_deferred", "turns_from_segments"]

STORE_MARGIN_SECONDS = 5.0
"""Time kept back before the deadline to store a FAILED version and publish SummaryFailed
(at most a tenth of the time a run has, for very short deadlines in tests)."""


def turns_from_segments(segments: Sequence[Segment]) -> list[Turn]:
    """Final segments in spoken order as turns (partials and empty text left out)."""
    return final_turns(segments)


class SummaryService:
    def __init__(
        self,
        *,
        transcripts: TranscriptStore,
        summaries: SummaryRepository,
        publisher: EventPublisher,
        engine: Engine,
        prices: PriceTable | None = None,
        provider_name: str = "",
        model_name: str = "",
        clock: Callable[[], str] = utc_now_iso,
        monotonic: Callable[[], float] = time.monotonic,
        settle_seconds: float = 0.0,
        fallbacks: Sequence[Engine] = (),
        time_box: TimeBox = run_inline,
    ) -> None:
        """`settle_seconds`: the longest a call may settle (finalSummaryDelaySeconds): a CallEnded
        or stale request finding the transcript still moving is answered `settling` until then.
        `time_box`: how the engine is run; the Lambdas give it a worker thread they can abandon
        (adapters/engine_time_box.py), the default runs it inline."""
        self._transcripts = transcripts
        self._summaries = summaries
        self._engine = engine
        self._prices = prices or PriceTable()
        self._provider_name = provider_name
        self._model_name = model_name
        self._clock = clock
        self._monotonic = monotonic
        self._settle_seconds = settle_seconds
        self._time_box = time_box
        self._events = VersionEvents(publisher, summaries, transcripts, clock)
        self._leases = RunLeases(summaries, self._events.publish)
        self._fallbacks = FallbackChain(fallbacks, time_box, lambda: self._monotonic())

    def handle(self, request: SummaryRunRequest, *, deadline: float | None = None) -> SummaryOutcome:
        """`deadline`: the monotonic time by which this run must have stored its version (the
        function's remaining time); None: the summarizer function's configured timeout from now."""
        return replace(self._handle(request, deadline), kind=request.kind)

    def _handle(self, request: SummaryRunRequest, deadline: float | None) -> SummaryOutcome:
        if deadline is None:
            deadline = self._monotonic() + FUNCTION_TIMEOUT_SECONDS[Function.SUMMARIZER]
        call = self._transcripts.get_call(request.call_id)
        if call is None:
            return SummaryOutcome(request.call_id, Action.SKIPPED, SkipReason.UNKNOWN_CALL)
        revision = int_or_zero(call.get(CallAttr.TRANSCRIPT_REVISION.value))
        existing = self._versions(request.call_id)
        request_or_skip = self._target(request, existing)
        if isinstance(request_or_skip, SummaryOutcome):
            return request_or_skip
        request = request_or_skip
        # Before the lease only a published answer ends the request: an unpublished one may be the
        # lease holder's, between storing its version and publishing it, so it is republished only
        # under the lease (by a holder that outlived a crash, never by nine duplicates at once).
        answered = self._answered(existing, request.kind, revision, republish=False)
        if answered is not None:
            return answered
        settles = request.reason in (ReasonCode.CALL_ENDED, ReasonCode.STALE) and not request.settled
        now = parse_iso(self._clock())
        if settles and is_settling(call, request.call_id, self._transcripts, now, self._settle_seconds):
            return SummaryOutcome(request.call_id, Action.SKIPPED, SkipReason.SETTLING)

        seconds_left = deadline - self._monotonic()
        lease, stopped_version = self._leases.claim(
            request.call_id, request.kind, revision, self._epoch(), seconds_left
        )
        if lease is None:
            return SummaryOutcome(request.call_id, Action.SKIPPED, SkipReason.IN_PROGRESS)
        outcome: SummaryOutcome | None = None
        try:
            if stopped_version:
                self._leases.fail_stopped_run(request.call_id, stopped_version)
            outcome = self._under_lease(request, revision, deadline, lease, call)
        finally:
            if outcome is None or outcome.action is not Action.DEFERRED:  # a deferred run keeps its lease
                self._leases.release(lease)
        if outcome.action is Action.COMPLETED and request.kind is SummaryKind.FINAL:
            self._events.request_again_if_moved(outcome.summary, call)
        return outcome

    def _target(
        self, request: SummaryRunRequest, existing: Sequence[Summary]
    ) -> SummaryRunRequest | SummaryOutcome:
        """The request with the kind it really asks for, or why there is nothing to retry."""
        if request.reason == ReasonCode.RETRY:
            target = next((s for s in existing if s.version == request.version), None)
            if target is None:
                return SummaryOutcome(request.call_id, Action.SKIPPED, SkipReason.RETRY_VERSION_NOT_FOUND)
            if target.status is SummaryStatus.COMPLETED:
                return SummaryOutcome(
                    request.call_id, Action.SKIPPED, SkipReason.RETRY_VERSION_COMPLETED, target
                )
            return replace(request, kind=target.kind)
        if request.reason == ReasonCode.AUTO_RETRY:
            return replace(request, kind=SummaryKind.FINAL)
        return request

    def _under_lease(
        self,
        request: SummaryRunRequest,
        revision: int,
        deadline: float,
        lease: Lease,
        call: Mapping[str, Any],
    ) -> SummaryOutcome:
        existing = self._versions(request.call_id)  # a run may have finished before our claim
        answered = self._answered(existing, request.kind, revision)
        if answered is not None:
            return answered
        if request.reason == ReasonCode.AUTO_RETRY:
            last_failure = exhausted_attempts(existing, revision)
            if last_failure is not None:
                self._summaries.record_on_call(replace(last_failure, retryable=False))
                return SummaryOutcome(
                    request.call_id, Action.SKIPPED, SkipReason.ATTEMPTS_EXHAUSTED, last_failure
                )
        if request.kind is SummaryKind.FINAL:
            self._mark_stale(outdated_finals(existing, revision))
        language = str(call.get(CallAttr.LANGUAGE_CODE.value) or "")
        return self._run(request, revision, deadline, lease, existing, language=language)

    def _versions(self, call_id: str) -> list[Summary]:
        return sorted(self._summaries.list_summaries(call_id), key=lambda s: s.version)

    def _answered(
        self, existing: Sequence[Summary], kind: SummaryKind, revision: int, *, republish: bool = True
    ) -> SummaryOutcome | None:
        """A COMPLETED version already answers the request (republished if its event was lost and
        `republish`; without it, an unpublished answer is not an answer yet)."""
        current = covering(existing, kind, revision)
        if current is None:
            return None
        if not current.published_at:
            if not republish:
                return None
            self._events.publish(current)
            return SummaryOutcome(current.call_id, Action.REPUBLISHED, SkipReason.UNPUBLISHED, current)
        return SummaryOutcome(current.call_id, Action.SKIPPED, SkipReason.UP_TO_DATE, current)

    def _mark_stale(self, finals: Sequence[Summary]) -> None:
        for summary in finals:
            if self._summaries.set_status(
                summary.call_id, summary.version, SummaryStatus.STALE, expected=SummaryStatus.COMPLETED
            ):
                self._summaries.record_on_call(replace(summary, status=SummaryStatus.STALE))

    def _epoch(self) -> float:
        parsed = parse_iso(self._clock())
        return parsed.timestamp() if parsed is not None else time.time()

    # ------------------------------------------------------------------ the run

    def _pending_version(
        self, request: SummaryRunRequest, revision: int, existing: Sequence[Summary]
    ) -> Summary:
        """The version this run writes: a throttled final's own, resumed; else a new one."""
        resumed = deferred_final(existing) if request.kind is SummaryKind.FINAL else None
        if resumed is not None:
            pending = replace(resumed, transcript_revision=revision, error="", failure_reason="")
            self._summaries.put_summary(pending)
            return pending
        return self._summaries.claim_version(
            Summary(
                call_id=request.call_id,
                version=0,
                kind=request.kind,
                status=SummaryStatus.PENDING,
                provider=self._provider_name,
                model=self._model_name,
                transcript_revision=revision,
                created_at=self._clock(),
            )
        )

    def _run(
        self,
        request: SummaryRunRequest,
        revision: int,
        deadline: float,
        lease: Lease,
        existing: Sequence[Summary] = (),
        *,
        language: str = "",
    ) -> SummaryOutcome:
        turns = turns_from_segments(self._transcripts.list_segments(request.call_id))
        pending = replace(self._pending_version(request, revision, existing), turn_count=len(turns))
        self._leases.bind(lease, pending.version)
        self._summaries.record_on_call(pending)

        started = self._monotonic()
        fallback: tuple[str, str] | None = None
        if not turns:
            attempt = Attempt(
                error="transcript is empty: no final segments to summarize",
                reason=FailureReason.TRANSCRIPT_EMPTY,
            )
        else:
            left = max(0.0, deadline - started)
            usable = left - min(STORE_MARGIN_SECONDS, left / 10)
            attempt = self._time_box(
                self._engine,
                turns,
                request.call_id,
                seconds=usable - self._fallbacks.reserve(usable),
                language=language,
            )
            failed = attempt.failure
            if self._fallbacks.applies_to(failed):
                result = attempt.result
                primary = result.provider if result is not None and result.provider else self._provider_name
                backup = self._fallbacks.write(turns, request.call_id, deadline, left - usable, language)
                if backup is not None:
                    attempt, fallback = Attempt(backup), (primary, failed)
            if (
                fallback is None
                and failed == FailureReason.THROTTLED
                and request.defer_seconds > 0
                and request.kind is SummaryKind.FINAL
            ):
                return self._defer(pending, request, lease)
        latency_ms = max(0, round((self._monotonic() - started) * 1000))

        retry_invalid = fresh_attempt_left(existing, request.kind, revision)
        summary = stored_version(pending, attempt, latency_ms, self._prices, retry_invalid=retry_invalid)
        if fallback is not None and summary.status is SummaryStatus.COMPLETED:
            summary = replace(summary, fallback_from=fallback[0], fallback_reason=fallback[1])
            logger.warning(
                "call %s: %s failed (%s); the summary was written by %s",
                request.call_id,
                fallback[0],
                fallback[1],
                summary.provider,
            )
        self._summaries.put_summary(summary)
        self._summaries.record_on_call(summary)
        self._events.publish(summary)
        action = Action.COMPLETED if summary.status is SummaryStatus.COMPLETED else Action.FAILED
        return SummaryOutcome(request.call_id, action, request.reason, summary)

    def _defer(self, pending: Summary, request: SummaryRunRequest, lease: Lease) -> SummaryOutcome:
        """The model is throttled: keep the version PENDING (saying so and until when) and hold
        the lease until the request is back, so the sweeper, a duplicate or a page's retry does
        not pay for a run that would be throttled too; the next run resumes this version."""
        now = self._epoch()
        back_at = datetime.fromtimestamp(now + request.defer_seconds, UTC)
        waiting = replace(
            pending,
            failure_reason=FailureReason.THROTTLED,
            error="the model is throttled: trying again at " + iso(back_at, "seconds"),
        )
        self._summaries.put_summary(waiting)
        self._summaries.record_on_call(waiting)
        self._leases.hold_until_back(lease, now, request.defer_seconds)
        logger.warning(
            "call %s: the model is throttled; final version %s waits %.0f s",
            request.call_id,
            waiting.version,
            request.defer_seconds,
        )
        return SummaryOutcome(request.call_id, Action.DEFERRED, SkipReason.THROTTLED, waiting)
