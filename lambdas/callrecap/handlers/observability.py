"""The Powertools set every function's entry point applies, defined once.

- One `Logger` named after the package (`callrecap`), so every module logger of the domain and
  the adapters (`logging.getLogger(__name__)`: `callrecap.domain...`, `callrecap.adapters...`)
  is its child: their lines go through the same JSON formatter, with the same keys (the Lambda
  context, the correlation id, `callId`) and the same level (POWERTOOLS_LOG_LEVEL).
- One `Metrics` (EMF, namespace `callrecap`); the service dimension is the function's
  POWERTOOLS_SERVICE_NAME.
- `entry_point(...)` = `inject_lambda_context` (the call id as correlation id where the event
  names one call) + `log_metrics(capture_cold_start_metric=True)`.
- `call_context(call_id)`: the one log key for a call, `callId`, for the lines of one call; a
  worker thread's lines carry its own call's id instead (callrecap/log_context.py).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from callrecap.contracts import METRICS_NAMESPACE
from callrecap.domain.models import Summary, SummaryStatus
from callrecap.log_context import ThreadCallIdFilter

LOGGER_NAME = "callrecap"
CALL_ID_KEY = "callId"

logger = Logger(service=LOGGER_NAME)
logger.registered_handler.addFilter(ThreadCallIdFilter(CALL_ID_KEY))  # a worker thread's own call
metrics = Metrics(namespace=METRICS_NAMESPACE)

# A function that published no metric in an invocation (api, lifecycle) is normal here.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

Handler = TypeVar("Handler", bound=Callable[..., Any])


def entry_point(*, correlation_id_path: str | None = None) -> Callable[[Handler], Handler]:
    """Decorate a Lambda handler with the shared logging and metrics set."""

    def decorate(handler: Handler) -> Handler:
        with_metrics = metrics.log_metrics(handler, capture_cold_start_metric=True)
        decorated = logger.inject_lambda_context(
            with_metrics, correlation_id_path=correlation_id_path, clear_state=True
        )
        return decorated  # type: ignore[return-value]

    return decorate


@contextmanager
def call_context(call_id: str) -> Iterator[None]:
    """`callId` on every log line (of any module) written inside, and the correlation id."""
    logger.append_keys(**{CALL_ID_KEY: call_id})
    previous = logger.get_correlation_id()
    logger.set_correlation_id(call_id)
    try:
        yield
    finally:
        logger.remove_keys([CALL_ID_KEY])
        logger.set_correlation_id(previous)


def deadline_of(context: Any) -> float | None:
    """The monotonic time at which Lambda stops this invocation (None without a Lambda context)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return time.monotonic() + remaining() / 1000 if callable(remaining) else None


def record_summary_metrics(summary: Summary) -> None:
    """One data point per finished summary run, by provider and model (EMF): SummariesProduced,
    SummariesFailed, LlmLatencyMs, InputTokens, OutputTokens, EstimatedCostUsd."""
    metrics.add_dimension(name="provider", value=summary.provider or "unknown")
    metrics.add_dimension(name="model", value=summary.model or "unknown")
    produced = summary.status is SummaryStatus.COMPLETED
    metrics.add_metric(name="SummariesProduced", unit=MetricUnit.Count, value=1 if produced else 0)
    metrics.add_metric(name="SummariesFailed", unit=MetricUnit.Count, value=0 if produced else 1)
    metrics.add_metric(name="LlmLatencyMs", unit=MetricUnit.Milliseconds, value=summary.latency_ms)
    metrics.add_metric(name="InputTokens", unit=MetricUnit.Count, value=summary.input_tokens)
    metrics.add_metric(name="OutputTokens", unit=MetricUnit.Count, value=summary.output_tokens)
    metrics.add_metric(name="EstimatedCostUsd", unit=MetricUnit.NoUnit, value=summary.estimated_cost_usd)
