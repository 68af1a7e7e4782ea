"""Sweeper Lambda (EventBridge schedule): close idle calls, re-request missing or stale finals.

The schedule event carries nothing we need; domain.sweeping does the work. A call that could not
be handled is logged, and the invocation fails at the end (after the other calls were handled)
so the error is visible in the function's metrics and alarms; the next scheduled run tries again.
"""

from __future__ import annotations

from typing import Any

from callrecap import wiring
from callrecap.handlers._container import Lazy
from callrecap.handlers.observability import entry_point, logger
from callrecap.wiring import SweeperDependencies

__all__ = ["SweepIncomplete", "SweeperDependencies", "handler", "set_dependencies"]

_container: Lazy[SweeperDependencies] = Lazy(wiring.sweeper)
dependencies, set_dependencies = _container.get, _container.set


class SweepIncomplete(RuntimeError):
    """Some calls could not be closed or re-requested in this run (see the log)."""


@entry_point()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    report = dependencies().sweeper.sweep()
    logger.info("sweep done", extra={"closed": len(report.closed), "requested": len(report.requested)})
    if report.errors:
        logger.error("sweep incomplete", extra={"errors": report.errors})
        raise SweepIncomplete(f"{len(report.errors)} call(s) could not be swept: {sorted(report.errors)}")
    return report.as_dict()
