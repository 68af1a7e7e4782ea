"""Summarizer Lambda: CallEnded / SummaryRequested (custom bus) -> a stored, versioned summary.

SummaryRequested comes straight from its rule (async invoke); CallEnded and stale requests come
through the final-summary delay queue (SQS records whose bodies are the EventBridge events), so a
call's last segments land first. `SummaryService` decides and the queue policy names the step
that follows a queued run (domain/summaries/runs/); this module carries both out. A provider
failure is a handled outcome (a FAILED version, SummaryFailed); only infrastructure errors and
malformed events raise, so a direct event keeps EventBridge's retries and the DLQ, and a queued
record becomes a batch item failure (redelivered, then dead-lettered).
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent

from callrecap import wiring
from callrecap.clock import seconds_since
from callrecap.domain.summaries.runs import (
    Action,
    StepKind,
    SummaryOutcome,
    SummaryRunRequest,
    deferrals_of,
    request_from_event,
    requeued_message,
)
from callrecap.handlers._container import Lazy
from callrecap.handlers.observability import call_context, deadline_of, entry_point, logger, metrics
from callrecap.handlers.observability import record_summary_metrics as record_metrics
from callrecap.wiring import SummarizerDependencies

__all__ = ["SummarizerDependencies", "handler", "is_sqs_batch", "set_dependencies"]

_container: Lazy[SummarizerDependencies] = Lazy(wiring.summarizer)
dependencies, set_dependencies = _container.get, _container.set


def run(request: SummaryRunRequest, context: Any) -> SummaryOutcome:
    """One request -> one domain call, its metrics, the stored retag and the log line."""
    with call_context(request.call_id):
        deps = dependencies()
        outcome = deps.service.handle(request, deadline=deadline_of(context))
        if outcome.ran and outcome.summary is not None:
            record_metrics(outcome.summary)
        # redactStoredTranscript; an error fails the request, so its redelivery tries again
        if outcome.closes_the_transcript and (rewritten := deps.retag_stored(request.call_id)):
            metrics.add_metric(name="StoredSegmentsRetagged", unit=MetricUnit.Count, value=rewritten)
            logger.info("stored segments retagged", extra={"segments": rewritten})
        if outcome.action is Action.DEFERRED:
            metrics.add_metric(name="SummariesDeferred", unit=MetricUnit.Count, value=1)
        log = logger.warning if outcome.action is Action.FAILED else logger.info
        log("summary request handled", extra=outcome.log_fields())
        return outcome


def handle_queued(record: Any, context: Any) -> dict[str, Any]:
    """A record of the final-summary queue: run it, then carry out the queue policy's step (put
    back, run again settled, or done)."""
    body, deps = record.json_body, dependencies()
    event = EventBridgeEvent(body)
    policy = deps.queue_policy
    attempt = policy.attempt(seconds_since(event.get("time")), deferrals_of(body), random.random())
    request = replace(
        request_from_event(event.detail_type, event.detail), defer_seconds=attempt.defer_seconds
    )
    outcome = run(request, context)
    step = policy.next_step(outcome, attempt, settled=False)
    if step.kind is StepKind.RUN_SETTLED:
        outcome = run(replace(request, settled=True), context)
        step = policy.next_step(outcome, attempt, settled=True)
    if step.kind is StepKind.REQUEUE and deps.requeue is not None:
        deps.requeue.requeue(requeued_message(record.body, body, step), step.delay_seconds)
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

    processor = BatchProcessor(event_type=EventType.SQS)
    handle = lambda record: handle_queued(record, context)  # noqa: E731
    return dict(process_partial_response(event, handle, processor, context))
