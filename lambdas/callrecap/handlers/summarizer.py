"""Summarizer Lambda: CallEnded / SummaryRequested (custom bus) -> a stored, versioned summary.

Two triggers, one domain call per bus event:
- SummaryRequested comes straight from its rule (an EventBridge event, async invoke);
- CallEnded comes through the final-summary delay queue (an SQS event whose record bodies are the
  EventBridge events), so the call's last segments land before the final summary runs.

`SummaryService` (domain.summary_runs) does the rest. A provider failure is a handled outcome (a
FAILED version and SummaryFailed), not an exception; only infrastructure errors and malformed
events raise, so EventBridge's async retries and the function's DLQ keep a direct event, and a
queued record is reported as a batch item failure (SQS redelivers it, then dead-letters it).

Metrics (EMF, dimensions provider and model): SummariesProduced, SummariesFailed, LlmLatencyMs,
InputTokens, OutputTokens, EstimatedCostUsd; SummariesDeferred (a throttled final put back).
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent

from callrecap.contracts import DEFERRALS_FIELD, SETTLE_POLL_SECONDS, throttle_backoff_seconds
from callrecap.domain.models import Summary, SummaryKind, SummaryStatus
from callrecap.domain.stored_redaction import retag_stored_transcript
from callrecap.domain.summary_runs import SummaryOutcome, int_or_zero, request_from_event
from callrecap.handlers import wiring
from callrecap.handlers._container import Lazy
from callrecap.handlers.observability import call_context, entry_point, logger, metrics
from callrecap.handlers.wiring import SummarizerDependencies

__all__ = ["SummarizerDependencies", "handler", "is_sqs_batch", "set_dependencies"]

_container: Lazy[SummarizerDependencies] = Lazy(wiring.summarizer)
dependencies, set_dependencies = _container.get, _container.set


def record_metrics(summary: Summary) -> None:
    """One data point per finished run, by provider and model."""
    metrics.add_dimension(name="provider", value=summary.provider or "unknown")
    metrics.add_dimension(name="model", value=summary.model or "unknown")
    produced = summary.status is SummaryStatus.COMPLETED
    metrics.add_metric(name="SummariesProduced", unit=MetricUnit.Count, value=1 if produced else 0)
    metrics.add_metric(name="SummariesFailed", unit=MetricUnit.Count, value=0 if produced else 1)
    metrics.add_metric(name="LlmLatencyMs", unit=MetricUnit.Milliseconds, value=summary.latency_ms)
    metrics.add_metric(name="InputTokens", unit=MetricUnit.Count, value=summary.input_tokens)
    metrics.add_metric(name="OutputTokens", unit=MetricUnit.Count, value=summary.output_tokens)
    metrics.add_metric(name="EstimatedCostUsd", unit=MetricUnit.NoUnit, value=summary.estimated_cost_usd)


def response(outcome: SummaryOutcome) -> dict[str, Any]:
    summary = outcome.summary
    return {
        "callId": outcome.call_id,
        "action": outcome.action,
        "reason": outcome.reason,
        "version": summary.version if summary else None,
        "status": summary.status.value if summary else None,
    }


def deadline_of(context: Any) -> float | None:
    """The monotonic time at which Lambda stops this invocation (None without a Lambda context)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return time.monotonic() + remaining() / 1000 if callable(remaining) else None


def handle_bus_event(
    event: EventBridgeEvent, context: Any = None, *, settled: bool = False, defer_seconds: float = 0.0
) -> dict[str, Any]:
    """One CallEnded or SummaryRequested envelope -> one domain call; raises on infrastructure errors."""
    request = replace(
        request_from_event(event.detail_type, event.detail), settled=settled, defer_seconds=defer_seconds
    )
    with call_context(request.call_id):
        deps = dependencies()
        outcome = deps.service.handle(request, deadline=deadline_of(context))
        if outcome.action in ("completed", "failed") and outcome.summary is not None:
            record_metrics(outcome.summary)
        if (
            request.kind is SummaryKind.FINAL
            and outcome.reason != "settling"
            and outcome.action != "deferred"
        ):
            retag_stored(deps, request.call_id)
        if outcome.action == "deferred":
            metrics.add_metric(name="SummariesDeferred", unit=MetricUnit.Count, value=1)
        result = response(outcome)
        log = logger.warning if outcome.action == "failed" else logger.info
        error = outcome.summary.error if outcome.summary else ""
        reason = outcome.summary.failure_reason if outcome.summary else ""
        extra = {**result, "kind": request.kind.value, "error": error, "failureReason": reason}
        log("summary request handled", extra=extra)
        return result


def retag_stored(deps: SummarizerDependencies, call_id: str) -> None:
    """redactStoredTranscript: numbers read out over several segments, tagged in the table now
    that the whole transcript is known (domain.stored_redaction); an error fails the request, so
    its redelivery tries again."""
    if not deps.stored_redaction or deps.rewriter is None:
        return
    rewritten = retag_stored_transcript(deps.rewriter, call_id, deps.stored_redaction)
    if rewritten:
        metrics.add_metric(name="StoredSegmentsRetagged", unit=MetricUnit.Count, value=rewritten)
        logger.info("stored segments retagged", extra={"segments": rewritten})


def event_age_seconds(event: EventBridgeEvent) -> float:
    """Seconds since the bus accepted the event (0 when its time is unreadable)."""
    try:
        sent = datetime.fromisoformat(str(event.get("time", "")).replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    return max(0.0, (datetime.now(UTC) - sent).total_seconds())


def handle_queued(record: Any, context: Any) -> dict[str, Any]:
    """A record of the final-summary queue (CallEnded, stale requests).

    One whose call is still settling (its last segments on their way) is put back for another look
    in SETTLE_POLL_SECONDS, until the settle time is up; then its final is written regardless. One
    whose model was throttled (and no fallback wrote the summary) is put back with a doubling,
    jittered delay while it is younger than llmThrottleMaxAgeSeconds; after that the run stores
    FAILED (THROTTLED, retryable) and the sweeper's bounded retries take over.
    """
    body = record.json_body
    event = EventBridgeEvent(body)
    deps = dependencies()
    deferrals = int_or_zero(body.get(DEFERRALS_FIELD)) if isinstance(body, dict) else 0
    backoff = throttle_backoff_seconds(deferrals, deps.throttle_backoff_seconds, random.random())
    age = event_age_seconds(event)
    may_defer = deps.requeue is not None and age + backoff <= deps.throttle_max_age_seconds
    defer = float(backoff) if may_defer else 0.0
    result = handle_bus_event(event, context, defer_seconds=defer)
    if result.get("reason") == "settling":
        if deps.requeue is not None and age < deps.settle_seconds:
            deps.requeue.requeue(record.body, SETTLE_POLL_SECONDS)
            return result
        result = handle_bus_event(event, context, settled=True, defer_seconds=defer)
    if result.get("action") == "deferred":
        deps.requeue.requeue(json.dumps({**body, DEFERRALS_FIELD: deferrals + 1}), backoff)
    elif result.get("reason") == "in-progress" and deferrals and may_defer:
        # Back from a throttled wait while its lease is still held (another run, or clock skew):
        # look again shortly rather than leaving the deferred version to the sweeper.
        deps.requeue.requeue(record.body, SETTLE_POLL_SECONDS)
    return result


def is_sqs_batch(event: Any) -> bool:
    """An SQS event source mapping batch (the delay queue) rather than a direct EventBridge event."""
    records = event.get("Records") if isinstance(event, dict) else None
    return isinstance(records, list) and all(
        isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records
    )


@entry_point(correlation_id_path="detail.callId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if not is_sqs_batch(event):
        return handle_bus_event(EventBridgeEvent(event), context)
    # Imported on the first queued batch only: the direct path does not pay for BatchProcessor.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    return dict(
        process_partial_response(
            event=event,
            record_handler=lambda record: handle_queued(record, context),
            processor=BatchProcessor(event_type=EventType.SQS),
            context=context,
        )
    )
