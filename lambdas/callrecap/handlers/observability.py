"""The Powertools set every function's entry point applies, defined once.

- One `Logger` named after the package (`callrecap`), so every module logger of the domain and
  the adapters (`logging.getLogger(__name__)`: `callrecap.domain...`, `callrecap.adapters...`)
  is its child: their lines go through the same JSON formatter, with the same keys (the Lambda
  context, the correlation id, `callId`) and the same level (POWERTOOLS_LOG_LEVEL).
- One `Metrics` (EMF, namespace `callrecap`); the service dimension is the function's
  POWERTOOLS_SERVICE_NAME.
- `entry_point(...)` = `inject_lambda_context` (the call id as correlation id where the event
  names one call) + `log_metrics(capture_cold_start_metric=True)`.
- `call_context(call_id)`: the one log key for a call, `callId`, for the lines of one call.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics

from callrecap.contracts import METRICS_NAMESPACE

LOGGER_NAME = "callrecap"
CALL_ID_KEY = "callId"

logger = Logger(service=LOGGER_NAME)
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
