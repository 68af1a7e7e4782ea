"""Summarizer Lambda: CallEnded / SummaryRequested (custom bus) -> a stored, versioned summary.

Two triggers, one domain call per bus event:
- SummaryRequested comes straight from its rule (an EventBridge event, async invoke);
- CallEnded comes through the final-summary delay queue (an SQS event whose record bodies are the
  EventBridge events), so the call's last segments land before the final summary runs.

`SummaryService` (domain.summaries.runs) decides, and the queue policy says what follows a queued
run; this module carries it out. A provider failure is a handled outcome (a
FAILED version and SummaryFailed), not an exception; only infrastructure errors and malformed
events raise, so EventBridge's async retries and the function's DLQ keep a direct event, and a
queued record is reported as a batch item failure (SQS redelivers it, then dead-letters it).

Metrics: observability.record_summary_metrics; SummariesDeferred (a throttled final put back).
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent

from callrecap.clock import seconds_since
from callrecap.contracts import DEFERRALS_FIELD
from callrecap.domain.privacy.stored_retag import retag_stored_transcript
from callrecap.domain.summaries.runs import (
    Action,
    StepKind,
    SummaryOutcome,
    SummaryRunRequest,
    int_or_zero,
    request_from_event,
)
from callrecap.handlers import wiring
from callrecap.handlers._container import Lazy
from callrecap.handlers.observability import (
    call_context,
    deadline_of,
    entry_point,
    logger,
    metrics,
    record_summary_metrics,
)
from callrecap.handlers.wiring import SummarizerDependencies

__all__ = ["SummarizerDependencies", "handler", "is_sqs_batch", "set_dependencies"]

_container: Lazy[SummarizerDependencies] = Lazy(wiring.summarizer)
dependencies, set_dependencies = _container.get, _container.set


def run(request: SummaryRunRequest, context: Any) -> SummaryOutcome:
    """One request -> one domain call, its metrics, the stored retag and the log line."""
    with call_context(request.call_id):
        deps = dependencies()
        outcome = deps.service.handle(request, deadline=deadline_of(context))
        if outcome.ran and outcome.summary is not None:
            record_summary_metrics(outcome.summary)
        if outcome.closes_the_transcript:
            retag_stored(deps, request.call_id)
        if outcome.action is Action.DEFERRED:
            metrics.add_metric(name="SummariesDeferred", unit=MetricUnit.Count, value=1)
        summary = outcome.summary
        extra = {
            **outcome.as_response(),
            "kind": request.kind.value,
            "error": summary.error if summary else "",
            "failureReason": summary.failure_reason if summary else "",
        }
        (logger.warning if outcome.action is Action.FAILED else logger.info)(
            "summary request handled", extra=extra
        )
        return outcome


def retag_stored(deps: SummarizerDependencies, call_id: str) -> None:
    """redactStoredTranscript (domain.privacy.stored_retag); an error fails the request, so its
    redelivery tries again."""
    if not deps.stored_redaction or deps.rewriter is None:
        return
    rewritten = retag_stored_transcript(deps.rewriter, call_id, deps.stored_redaction)
    if rewritten:
        metrics.add_metric(name="StoredSegmentsRetagged", unit=MetricUnit.Count, value=rewritten)
        logger.info("stored segments retagged", extra={"segments": rewritten})


def handle_queued(record: Any, context: Any) -> dict[str, Any]:
    """A record of the final-summary queue (CallEnded, stale requests): run it, then carry out
    the step the queue policy names (put back, run again settled, or done)."""
    body = record.json_body
    event = EventBridgeEvent(body)
    deps = dependencies()
    deferrals = int_or_zero(body.get(DEFERRALS_FIELD)) if isinstance(body, dict) else 0
    attempt = deps.queue_policy.attempt(seconds_since(event.get("time")), deferrals, random.random())
    request = replace(
        request_from_event(event.detail_type, event.detail), defer_seconds=attempt.defer_seconds
    )
    outcome = run(request, context)
    step = deps.queue_policy.next_step(outcome, attempt, settled=False)
    if step.kind is StepKind.RUN_SETTLED:
        outcome = run(replace(request, settled=True), context)
        step = deps.queue_policy.next_step(outcome, attempt, settled=True)
    if step.kind is StepKind.REQUEUE and deps.requeue is not None:
        message = (
            record.body
            if step.deferrals == deferrals
            else json.dumps({**body, DEFERRALS_FIELD: step.deferrals})
        )
        deps.requeue.requeue(message, step.delay_seconds)
    return outcome.as_response()


def is_sqs_batch(event: Any) -> bool:
    """An SQS event source mapping batch (the delay queue) rather than a direct EventBridge event."""
    records = event.get("Records") if isinstance(event, dict) else None
    return isinstance(records, list) and all(
        isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records
    )


@entry_point(correlation_id_path="detail.callId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if not is_sqs_batch(event):
        bus_event = EventBridgeEvent(event)
        return run(request_from_event(bus_event.detail_type, bus_event.detail), context).as_response()
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
