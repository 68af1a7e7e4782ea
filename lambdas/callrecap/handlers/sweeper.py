"""Sweeper Lambda (EventBridge schedule): close idle calls, re-request missing or stale finals.

Thin: the schedule event carries nothing we need; domain.sweeping does the work. A call that
could not be handled is logged and reported, and the invocation fails at the end (after the
other calls were handled) so the error is visible in the function's metrics and alarms; the
next scheduled run tries again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from callrecap.domain.sweeping import Sweeper
from callrecap.handlers._container import Lazy

logger = Logger(service="callrecap-sweeper")


class SweepIncomplete(RuntimeError):
    """Some calls could not be closed or re-requested in this run (see the log)."""


@dataclass(frozen=True)
class SweeperDependencies:
    sweeper: Sweeper


def build_dependencies() -> SweeperDependencies:
    """Built once per container from validated settings (cold start, not import)."""
    from callrecap.adapters.dynamo.transcripts import DynamoTranscriptStore
    from callrecap.adapters.event_bus import EventBridgePublisher
    from callrecap.settings import EnvVar, Settings

    settings = Settings.from_env(require=(EnvVar.TABLE_NAME, EnvVar.EVENT_BUS_NAME))
    return SweeperDependencies(
        sweeper=Sweeper(
            store=DynamoTranscriptStore(settings.table_name, ttl_days=settings.ttl_days),
            publisher=EventBridgePublisher(settings.event_bus_name),
            idle_minutes=settings.idle_minutes,
        )
    )


_dependencies: Lazy[SweeperDependencies] = Lazy(lambda: build_dependencies())


def set_dependencies(dependencies: SweeperDependencies | None) -> None:
    """Inject dependencies (tests, local stack); None goes back to `build_dependencies`."""
    _dependencies.set(dependencies)


def deps() -> SweeperDependencies:
    return _dependencies.get()


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = deps().sweeper.sweep()
    result = report.as_dict()
    logger.info("sweep done", extra={"closed": len(report.closed), "requested": len(report.requested)})
    if report.errors:
        logger.error("sweep incomplete", extra={"errors": report.errors})
        raise SweepIncomplete(f"{len(report.errors)} call(s) could not be swept: {sorted(report.errors)}")
    return result
