"""When and how a call gets a stored, versioned summary; everything outside goes through ports
(the engine runs on a worker thread so that a model slower than the function can be given up on).

Rules this module enforces (docs/summarization.md, "Summaries and versions"):
- a run is a lease: before anything else it takes the lease of (call, kind, transcript
  revision) with one conditional write holding an expiry just past the function's deadline; a
  second claimant (a duplicate CallEnded, the sweeper, a retried batch) finds the lease and does
  nothing. A lease found expired means its run was stopped at the function's timeout: that run's
  PENDING version becomes FAILED (TIMEOUT, retryable) and counts toward the retry cap;
- every run takes a new version (the store's conditional put makes two concurrent runs pick
  different versions); a run is first stored PENDING, then COMPLETED or FAILED, always before
  the function's deadline: a model that has not answered when only the margin is left is given
  up on and the version is stored FAILED (TIMEOUT, retryable);
- a final summary is idempotent on the transcript: if a COMPLETED final already covers the
  call's current transcriptRevision, no LLM is called (a repeated CallEnded is harmless);
- a COMPLETED final that an arriving segment made out of date is marked STALE and a new final
  version is produced; after storing a final the service re-reads the revision and asks for
  another run itself if the transcript moved on while the LLM was working;
- success publishes CallSummarized with the sections; failure (provider error, invalid or empty
  reply, empty transcript) is stored FAILED with the error and raw reply and publishes
  SummaryFailed, so the CRM hook never sees an empty summary;
- an event is published only after its summary is stored, and `published_at` is set after the
  publish: a re-delivered request finds an unpublished summary and publishes it, so a crash
  between the two steps loses nothing.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from callrecap.clock import iso, parse_iso, utc_now_iso
from callrecap.contracts import (
    FUNCTION_TIMEOUT_SECONDS,
    SETTLE_QUIET_SECONDS,
    SUMMARY_SECTIONS_MAX_BYTES,
    BusEvent,
    CallAttr,
    FailureReason,
    Function,
)
from callrecap.domain.models import Segment, Summary, SummaryKind, SummaryStatus, Turn
from callrecap.domain.ports import (
    Engine,
    EventPublisher,
    SummaryRepository,
    TranscriptStore,
)
from callrecap.domain.summaries import run_budget
from callrecap.domain.summaries.cost import PriceTable
from callrecap.domain.summaries.engine import EngineResult
from callrecap.domain.summaries.requests import (
    ReasonCode,
    SummaryRunRequest,
    failure_event_detail,
    stale_request_detail,
    summary_event_detail,
)
from callrecap.domain.summaries.runs.outcomes import Action, SkipReason, SummaryOutcome
from callrecap.domain.transcripts.rules import final_turns

logger = logging.getLogger(__name__)

LEASE_MARGIN_SECONDS = 30.0
"""A lease outlives its run's deadline by this much (clock skew between containers)."""

STORE_MARGIN_SECONDS = 5.0
"""Time kept back before the deadline to store a FAILED version and publish SummaryFailed
(at most a tenth of the time a run has, for very short deadlines in tests)."""

FALLBACK_ON = frozenset(
    {
        FailureReason.THROTTLED,
        FailureReason.TIMEOUT,
        FailureReason.PROVIDER_ERROR,
        FailureReason.INVALID_OUTPUT,
        FailureReason.CONTENT_FILTERED,
    }
)
"""Failures after which the next provider of the chain tries (an empty transcript or a call too
long fails the same way everywhere)."""

FALLBACK_RESERVE_SECONDS = 20.0
"""Time kept for the fallback chain when the primary is given up on (at most a quarter)."""

LEASE_RETURN_MARGIN_SECONDS = 2.0
"""A deferred run's lease ends this much before its request is due back (a lease's expiry is
stored in whole seconds; the rest is clock skew between containers)."""

RETRYABLE_REASONS = frozenset({FailureReason.THROTTLED, FailureReason.TIMEOUT})

MAX_AUTOMATIC_ATTEMPTS = 3
"""Failed finals of one transcript revision after which automatic retries stop (the API can still retry)."""


def turns_from_segments(segments: Sequence[Segment]) -> list[Turn]:
    """Final segments in spoken order as turns (partials and empty text left out)."""
    return final_turns(segments)


def sections_size(sections: Mapping[str, Any]) -> int:
    """Bytes of the sections as CallSummarized carries them (compact JSON, UTF-8)."""
    return len(json.dumps(sections, default=str, separators=(",", ":"), ensure_ascii=False).encode())


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
    ) -> None:
        """`settle_seconds`: the longest a call may settle (finalSummaryDelaySeconds): a CallEnded
        or stale request finding the transcript still moving is answered `settling` until then."""
        self._transcripts = transcripts
        self._summaries = summaries
        self._publisher = publisher
        self._engine = engine
        self._prices = prices or PriceTable()
        self._provider_name = provider_name
        self._model_name = model_name
        self._clock = clock
        self._monotonic = monotonic
        self._settle_seconds = settle_seconds
        self._fallbacks = tuple(fallbacks)
        """Engines that write the summary when the primary fails (the `llmFallback` chain)."""

    # ------------------------------------------------------------------ entry point

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

        if request.reason == ReasonCode.RETRY:
            target = next((s for s in existing if s.version == request.version), None)
            if target is None:
                return SummaryOutcome(request.call_id, Action.SKIPPED, SkipReason.RETRY_VERSION_NOT_FOUND)
            if target.status is SummaryStatus.COMPLETED:
                return SummaryOutcome(
                    request.call_id, Action.SKIPPED, SkipReason.RETRY_VERSION_COMPLETED, target
                )
            request = replace(request, kind=target.kind)
        if request.reason == ReasonCode.AUTO_RETRY:
            request = replace(request, kind=SummaryKind.FINAL)

        answered = self._answered(existing, request.kind, revision)
        if answered is not None:
            return answered
        settles = request.reason in (ReasonCode.CALL_ENDED, ReasonCode.STALE) and not request.settled
        if settles and self._settling(call, request.call_id):
            return SummaryOutcome(request.call_id, Action.SKIPPED, SkipReason.SETTLING)

        key = f"{request.kind.value}#{revision}"
        owner = uuid.uuid4().hex
        now = self._epoch()
        until = now + max(0.0, deadline - self._monotonic()) + LEASE_MARGIN_SECONDS
        claim = self._summaries.claim_lease(request.call_id, key, owner, now, until)
        if not claim.claimed:
            return SummaryOutcome(request.call_id, Action.SKIPPED, SkipReason.IN_PROGRESS)
        outcome: SummaryOutcome | None = None
        try:
            if claim.previous_version:
                self._fail_stopped_run(request.call_id, claim.previous_version)
            existing = self._versions(request.call_id)  # a run may have finished before our claim
            answered = self._answered(existing, request.kind, revision)
            if answered is not None:
                return answered
            if request.reason == ReasonCode.AUTO_RETRY:
                failures = [
                    s
                    for s in existing
                    if s.kind is SummaryKind.FINAL
                    and s.status is SummaryStatus.FAILED
                    and s.transcript_revision == revision
                ]
                if len(failures) >= MAX_AUTOMATIC_ATTEMPTS:
                    self._summaries.record_on_call(replace(failures[-1], retryable=False))
                    return SummaryOutcome(
                        request.call_id, Action.SKIPPED, SkipReason.ATTEMPTS_EXHAUSTED, failures[-1]
                    )
            if request.kind is SummaryKind.FINAL:
                self._mark_stale_finals(existing, revision)
            language = str(call.get(CallAttr.LANGUAGE_CODE.value) or "")
            outcome = self._run(request, revision, deadline, key, owner, existing, language=language)
        finally:
            if outcome is None or outcome.action is not Action.DEFERRED:  # a deferred run keeps its lease
                self._summaries.release_lease(request.call_id, key, owner)
        if outcome.action is Action.COMPLETED and request.kind is SummaryKind.FINAL:
            self._recheck_revision(outcome.summary, call)
        return outcome

    def _settling(self, call: Mapping[str, Any], call_id: str) -> bool:
        """The call's transcript is still moving: something was stored for it in the last
        SETTLE_QUIET_SECONDS (its last segments are leaving the Kinesis batching window) or a
        partial result is still open (its final is on its way). The final-summary queue's consumer
        looks again shortly, up to the settle time (handlers/summarizer.py); so does each late
        segment's stale request, and the first that finds the transcript quiet writes the one new
        final (the others find it up to date)."""
        if self._settle_seconds <= 0:
            return False
        last = parse_iso(call.get(CallAttr.LAST_ACTIVITY_AT.value))
        now = parse_iso(self._clock())
        if last is not None and now is not None and (now - last).total_seconds() < SETTLE_QUIET_SECONDS:
            return True
        if now is None:
            return False
        for segment in self._transcripts.list_segments(call_id):
            created = parse_iso(segment.created_at) if segment.is_partial else None
            if created is not None and (now - created).total_seconds() < self._settle_seconds:
                return True  # a recent partial: its final has not been stored yet
        return False

    def _versions(self, call_id: str) -> list[Summary]:
        return sorted(self._summaries.list_summaries(call_id), key=lambda s: s.version)

    def _answered(
        self, existing: Sequence[Summary], kind: SummaryKind, revision: int
    ) -> SummaryOutcome | None:
        """A COMPLETED version already answers the request (republished if its event was lost)."""
        current = self._covering(existing, kind, revision)
        if current is None:
            return None
        if not current.published_at:
            self._publish(current)
            return SummaryOutcome(current.call_id, Action.REPUBLISHED, SkipReason.UNPUBLISHED, current)
        return SummaryOutcome(current.call_id, Action.SKIPPED, SkipReason.UP_TO_DATE, current)

    def _fail_stopped_run(self, call_id: str, version: int) -> None:
        """The expired lease's run was stopped (function timeout): its PENDING version is FAILED."""
        stopped = self._summaries.get_summary(call_id, version)
        if stopped is None or stopped.status is not SummaryStatus.PENDING or is_deferred(stopped):
            return  # a deferred run's lease ran out on purpose: the next run resumes its version
        if not self._summaries.set_status(
            call_id, version, SummaryStatus.FAILED, expected=SummaryStatus.PENDING
        ):
            return
        failed = replace(
            stopped,
            status=SummaryStatus.FAILED,
            error="the run was stopped at the function's timeout before it could store the summary",
            failure_reason=FailureReason.TIMEOUT,
            retryable=True,
        )
        self._summaries.put_summary(failed)
        self._summaries.record_on_call(failed)
        self._publish(failed)
        logger.warning(
            "call %s: version %s was left PENDING by a stopped run: FAILED (TIMEOUT)", call_id, version
        )

    def _epoch(self) -> float:
        parsed = parse_iso(self._clock())
        return parsed.timestamp() if parsed is not None else time.time()

    # ------------------------------------------------------------------ decisions

    @staticmethod
    def _covering(existing: Sequence[Summary], kind: SummaryKind, revision: int) -> Summary | None:
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

    def _mark_stale_finals(self, existing: Sequence[Summary], revision: int) -> None:
        for summary in existing:
            if (
                summary.kind is SummaryKind.FINAL
                and summary.status is SummaryStatus.COMPLETED
                and summary.transcript_revision < revision
                and self._summaries.set_status(
                    summary.call_id, summary.version, SummaryStatus.STALE, expected=SummaryStatus.COMPLETED
                )
            ):
                self._summaries.record_on_call(replace(summary, status=SummaryStatus.STALE))

    # ------------------------------------------------------------------ the run

    def _run(
        self,
        request: SummaryRunRequest,
        revision: int,
        deadline: float,
        lease_key: str,
        owner: str,
        existing: Sequence[Summary] = (),
        *,
        language: str = "",
    ) -> SummaryOutcome:
        segments = self._transcripts.list_segments(request.call_id)
        turns = turns_from_segments(segments)
        resumed = self._deferred_final(existing) if request.kind is SummaryKind.FINAL else None
        if resumed is not None:  # a final put back while the model was throttled: same version
            pending = replace(resumed, transcript_revision=revision, error="", failure_reason="")
            self._summaries.put_summary(pending)
        else:
            pending = self._summaries.claim_version(
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
        pending = replace(pending, turn_count=len(turns))
        self._summaries.bind_lease(request.call_id, lease_key, owner, pending.version)
        self._summaries.record_on_call(pending)

        started = self._monotonic()
        result: EngineResult | None = None
        error, reason = "", ""
        fallback: tuple[str, str] | None = None
        if not turns:
            error = "transcript is empty: no final segments to summarize"
            reason = FailureReason.TRANSCRIPT_EMPTY
        else:
            left = max(0.0, deadline - started)
            usable = left - min(STORE_MARGIN_SECONDS, left / 10)
            reserve = min(FALLBACK_RESERVE_SECONDS, usable / 4) if self._fallbacks else 0.0
            result, error, reason = self._engine_within(
                turns, request.call_id, usable - reserve, language=language
            )
            failed = reason or (str(getattr(result, "failure_reason", "")) if result and result.error else "")
            if self._fallbacks and failed in FALLBACK_ON:
                primary = result.provider if result is not None and result.provider else self._provider_name
                backup = self._fall_back(turns, request.call_id, deadline, left - usable, language)
                if backup is not None:
                    result, error, reason = backup, "", ""
                    fallback = (primary, failed)
            if (
                fallback is None
                and failed == FailureReason.THROTTLED
                and request.defer_seconds > 0
                and request.kind is SummaryKind.FINAL
            ):
                return self._defer(pending, request, lease_key, owner)
        latency_ms = max(0, round((self._monotonic() - started) * 1000))

        summary = self._finish(pending, result, error, latency_ms, reason)
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
        self._publish(summary)
        action = Action.COMPLETED if summary.status is SummaryStatus.COMPLETED else Action.FAILED
        return SummaryOutcome(request.call_id, action, request.reason, summary)

    @staticmethod
    def _deferred_final(existing: Sequence[Summary]) -> Summary | None:
        """The newest final version left PENDING by a run deferred for throttling, if any."""
        return next((s for s in reversed(existing) if s.kind is SummaryKind.FINAL and is_deferred(s)), None)

    def _defer(
        self, pending: Summary, request: SummaryRunRequest, lease_key: str, owner: str
    ) -> SummaryOutcome:
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
        # Free a little before the put-back is due (leases count whole seconds), so the returning
        # request finds it free.
        hold = max(0.0, request.defer_seconds - LEASE_RETURN_MARGIN_SECONDS)
        self._summaries.hold_lease(request.call_id, lease_key, owner, now + hold)
        logger.warning(
            "call %s: the model is throttled; final version %s waits %.0f s",
            request.call_id,
            waiting.version,
            request.defer_seconds,
        )
        return SummaryOutcome(request.call_id, Action.DEFERRED, SkipReason.THROTTLED, waiting)

    def _fall_back(
        self, turns: Sequence[Turn], call_id: str, deadline: float, margin: float, language: str = ""
    ) -> EngineResult | None:
        """The first provider of the chain that writes the summary in the time left, if any."""
        for engine in self._fallbacks:
            left = max(0.0, deadline - self._monotonic()) - margin
            result, error, _ = self._engine_within(turns, call_id, left, engine, language=language)
            if result is not None and not error and not result.error:
                return result
        return None

    def _engine_within(
        self,
        turns: Sequence[Turn],
        call_id: str,
        seconds: float,
        engine: Engine | None = None,
        *,
        language: str = "",
    ) -> tuple[EngineResult | None, str, str]:
        """Run the engine, giving up after `seconds`: (result, error, failure reason).

        The engine runs on its own thread so that a provider slower than the function's time can
        be abandoned with the version stored FAILED (TIMEOUT) before Lambda stops the run; the
        abandoned call's answer is never used (Lambda freezes the thread with the container).
        """
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                with run_budget.within(seconds):
                    outcome["result"] = (engine or self._engine)(turns, call_id, language=language)
            except Exception as exc:  # any provider failure becomes a FAILED version
                # The call id is passed explicitly: an abandoned worker may log after its invocation
                # ended, when the process-wide log keys name the next call.
                logger.exception("summarizer engine raised for call %s", call_id, extra={"callId": call_id})
                outcome["error"] = f"{type(exc).__name__}: {exc}"

        worker = threading.Thread(target=work, name=f"summary-{call_id}", daemon=True)
        worker.start()
        worker.join(max(0.0, seconds))
        if worker.is_alive():
            return None, "the model did not answer before the function's deadline", FailureReason.TIMEOUT
        if "error" in outcome:
            return None, str(outcome["error"]), FailureReason.PROVIDER_ERROR
        return outcome.get("result"), "", ""

    def _finish(
        self, pending: Summary, result: EngineResult | None, error: str, latency_ms: int, reason: str = ""
    ) -> Summary:
        if result is None:
            reason = reason or FailureReason.PROVIDER_ERROR
            return replace(
                pending,
                status=SummaryStatus.FAILED,
                error=error,
                latency_ms=latency_ms,
                failure_reason=reason,
                retryable=reason in RETRYABLE_REASONS,
            )
        usage = result.usage
        provider = result.provider or pending.provider
        model = result.model or pending.model
        sections = dict(result.sections)
        retryable = False
        if not error and result.error:
            error = str(result.error)
            reason = str(getattr(result, "failure_reason", "") or FailureReason.PROVIDER_ERROR)
            retryable = bool(result.retryable) or reason in RETRYABLE_REASONS
        if not error and not sections:
            error, reason = "the reply had no sections", FailureReason.INVALID_OUTPUT
        if not error and (size := sections_size(sections)) > SUMMARY_SECTIONS_MAX_BYTES:
            error = (
                f"the summary is {size:,} bytes of JSON, over the {SUMMARY_SECTIONS_MAX_BYTES:,} "
                "a CallSummarized event can carry (the 256 KB bus-event budget); not truncated"
            )
            reason = FailureReason.TOO_LONG
        return replace(
            pending,
            status=SummaryStatus.FAILED if error else SummaryStatus.COMPLETED,
            sections={} if error else sections,
            provider=provider,
            model=model,
            prompt_hash=result.prompt_hash,
            llm_calls=usage.llm_calls,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            estimated_cost_usd=self._prices.estimate_usd(
                provider, model, usage.input_tokens, usage.output_tokens
            ),
            latency_ms=latency_ms,
            error=error,
            raw_reply=result.raw_reply if error else "",
            retryable=retryable,
            failure_reason=reason if error else "",
            pii_redactions=dict(getattr(result, "pii_redactions", {}) or {}),
        )

    def _publish(self, summary: Summary) -> None:
        if summary.status is SummaryStatus.COMPLETED and summary.sections:
            self._publisher.publish(BusEvent.CALL_SUMMARIZED, summary_event_detail(summary))
        elif summary.status is SummaryStatus.FAILED:
            self._publisher.publish(BusEvent.SUMMARY_FAILED, failure_event_detail(summary))
        else:
            return
        self._summaries.mark_published(summary.call_id, summary.version, self._clock())

    def _recheck_revision(self, summary: Summary | None, call_before: Mapping[str, Any]) -> None:
        """A segment stored while the LLM worked makes this final stale at birth: ask again."""
        if summary is None:
            return
        call = self._transcripts.get_call(summary.call_id) or call_before
        revision = int_or_zero(call.get(CallAttr.TRANSCRIPT_REVISION.value))
        if revision > summary.transcript_revision:
            logger.info(
                "call %s transcript moved from revision %s to %s during the run; requesting a new final",
                summary.call_id,
                summary.transcript_revision,
                revision,
            )
            self._publisher.publish(
                BusEvent.SUMMARY_REQUESTED, stale_request_detail(summary.call_id, self._clock())
            )


def is_deferred(summary: Summary) -> bool:
    """A version kept PENDING by a run that was throttled and put back (SummaryService._defer)."""
    return summary.status is SummaryStatus.PENDING and summary.failure_reason == FailureReason.THROTTLED


def int_or_zero(value: Any) -> int:
    """A numeric table attribute (Decimal, int or str) as int; 0 when absent or invalid."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
