"""Summarizer Lambda: CallEnded / SummaryRequested (custom bus) -> a stored, versioned summary.

Two triggers, one domain call per bus event:
- SummaryRequested comes straight from its rule (an EventBridge event, async invoke);
- CallEnded comes through the final-summary delay queue (an SQS event whose record bodies are the
  EventBridge events), so the call's last segments land before the final summary runs.

Thin: the EventBridge envelope becomes a `SummaryRunRequest`, `SummaryService` does the rest
(versioning, idempotency, staleness, failure handling; see domain.summary_runs). A provider
failure is a handled outcome (a FAILED version and SummaryFailed), not an exception; only
infrastructure errors (DynamoDB, the bus) and malformed events raise, so EventBridge's async
retries and the function's DLQ keep a direct event, and a queued record is reported as a batch
item failure (SQS redelivers it, then moves it to the queue's DLQ).

Metrics (EMF, namespace `callrecap`, dimensions provider and model): SummariesProduced,
SummariesFailed, LlmLatencyMs, InputTokens, OutputTokens, EstimatedCostUsd.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from callrecap.contracts import METRICS_NAMESPACE
from callrecap.domain.models import Summary, SummaryStatus
from callrecap.domain.summary_runs import SummaryOutcome, SummaryService, request_from_event
from callrecap.handlers._container import Lazy

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BatchProcessor
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

logger = Logger(service="callrecap-summarizer")
metrics = Metrics(namespace=METRICS_NAMESPACE)


@dataclass(frozen=True)
class SummarizerDependencies:
    service: SummaryService


def build_dependencies() -> SummarizerDependencies:
    """Built once per container from validated settings (cold start, not import)."""
    from callrecap.domain.cost import PriceTable, PriceTableError
    from callrecap.settings import EnvVar, Settings, SettingsError

    settings = Settings.from_env(require=(EnvVar.TABLE_NAME, EnvVar.EVENT_BUS_NAME))
    try:
        prices = PriceTable.from_json(settings.price_table_json)
    except PriceTableError as error:
        raise SettingsError(f"invalid callrecap settings: {EnvVar.PRICE_TABLE.value}: {error}") from error

    from callrecap.adapters.configured_engine import build_engine
    from callrecap.adapters.dynamo.summaries import DynamoSummaryStore
    from callrecap.adapters.dynamo.transcripts import DynamoTranscriptStore
    from callrecap.adapters.event_bus import EventBridgePublisher

    engine = build_engine(settings)
    service = SummaryService(
        transcripts=DynamoTranscriptStore(settings.table_name, ttl_days=settings.ttl_days),
        summaries=DynamoSummaryStore(settings.table_name, ttl_days=settings.ttl_days),
        publisher=EventBridgePublisher(settings.event_bus_name),
        engine=engine,
        prices=prices,
        provider_name=engine.provider_name,
        model_name=engine.model_name,
    )
    if not prices.knows(engine.provider_name, engine.model_name):
        logger.warning(
            "no price for the model: estimatedCostUsd will be 0",
            extra={"provider": engine.provider_name, "model": engine.model_name},
        )
    return SummarizerDependencies(service=service)


_dependencies: Lazy[SummarizerDependencies] = Lazy(lambda: build_dependencies())


def set_dependencies(dependencies: SummarizerDependencies | None) -> None:
    """Inject dependencies (tests, local stack); None goes back to `build_dependencies`."""
    _dependencies.set(dependencies)


def deps() -> SummarizerDependencies:
    return _dependencies.get()


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


def handle_bus_event(event: EventBridgeEvent) -> dict[str, Any]:
    """One CallEnded or SummaryRequested envelope -> one domain call; raises on infrastructure errors."""
    request = request_from_event(event.detail_type, event.detail)
    logger.append_keys(call_id=request.call_id)
    try:
        outcome = deps().service.handle(request)
        if outcome.action in ("completed", "failed") and outcome.summary is not None:
            record_metrics(outcome.summary)
        result = response(outcome)
        log = logger.warning if outcome.action == "failed" else logger.info
        log(
            "summary request handled",
            extra={
                **result,
                "kind": request.kind.value,
                "error": outcome.summary.error if outcome.summary else "",
            },
        )
        return result
    finally:
        logger.remove_keys(["call_id"])


def is_sqs_batch(event: Any) -> bool:
    """An SQS event source mapping batch (the delay queue) rather than a direct EventBridge event."""
    records = event.get("Records") if isinstance(event, dict) else None
    return isinstance(records, list) and all(
        isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records
    )


@cache
def _sqs_processor() -> BatchProcessor:
    """Imported on the first queued batch only: the direct path does not pay for BatchProcessor."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

    return BatchProcessor(event_type=EventType.SQS)


def handle_queued_record(record: SQSRecord) -> dict[str, Any]:
    """A delay-queue message: its body is the EventBridge event the CallEnded rule delivered."""
    return handle_bus_event(EventBridgeEvent(record.json_body))


@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if is_sqs_batch(event):
        from aws_lambda_powertools.utilities.batch import process_partial_response

        return dict(
            process_partial_response(
                event=event, record_handler=handle_queued_record, processor=_sqs_processor(), context=context
            )
        )
    return handle_bus_event(EventBridgeEvent(event))
