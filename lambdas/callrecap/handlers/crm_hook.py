"""The CRM hook Lambda: receives CallSummarized, validates the contract, delivers it once to the
built-in target (crmTarget: webhook), or, as the example, only records the delivery.

The contract and the delivery live in domain.crm_delivery; a contract violation raises, so
EventBridge retries the event and then parks it in the target's DLQ.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

from callrecap import wiring
from callrecap.domain.crm.delivery import ContractViolation, deliver_summary, send_to_crm
from callrecap.domain.summaries import run_budget
from callrecap.handlers._container import Lazy
from callrecap.handlers.observability import call_context, entry_point, logger
from callrecap.wiring import CrmHookDependencies

__all__ = ["ContractViolation", "CrmHookDependencies", "handler", "set_dependencies"]

_container: Lazy[CrmHookDependencies] = Lazy(wiring.crm_hook)
SAFETY_SECONDS = 2.0
"""Kept back from the invocation's time for storing the outcome."""
dependencies, set_dependencies = _container.get, _container.set


@entry_point(correlation_id_path="detail.callId")
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: Any) -> dict[str, Any]:
    with call_context(str((event.detail or {}).get("callId", ""))):
        deps = dependencies()
        send = deps.send or send_to_crm
        left = context.get_remaining_time_in_millis() / 1000 - SAFETY_SECONDS if context else 30.0
        try:
            with run_budget.within(left):  # the target's retries never outlive the invocation
                summary, outcome = deliver_summary(
                    deps.deliveries, event.source, event.detail_type, event.detail, event.get_id, send=send
                )
        except ContractViolation:
            logger.exception("refusing CallSummarized", extra={"eventId": event.get_id})
            raise
        logger.info(
            "CallSummarized received",
            extra={
                "version": summary.version,
                "kind": summary.kind,
                "sections": sorted(summary.sections),
                "outcome": outcome,
            },
        )
    return {"callId": summary.call_id, "version": summary.version, "outcome": outcome}
