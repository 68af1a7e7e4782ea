"""Wrap-up timeouts (crmSendOn approval-or-timeout): each final's CallSummarized comes back from the
wrap-up delay queue after wrapUpMinutes, and is released to the CRM unless the agent approved the
call meanwhile (domain/crm/wrap_up.py). A malformed message fails alone (partial batch response)
and reaches the queue's dead-letter queue after its retries."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from callrecap import wiring
from callrecap.domain.crm.wrap_up import on_wrap_up_timeout
from callrecap.handlers._container import Lazy
from callrecap.handlers.observability import call_context, entry_point, logger
from callrecap.wiring import WrapUpDependencies

__all__ = ["WrapUpDependencies", "handler", "set_dependencies"]

_container: Lazy[WrapUpDependencies] = Lazy(wiring.wrap_up)
dependencies, set_dependencies = _container.get, _container.set


def _record(record: SQSRecord) -> None:
    event = json.loads(record.body)  # the EventBridge event, as its rule target put it on the queue
    detail = event.get("detail", {}) if isinstance(event, dict) else {}
    with call_context(str(detail.get("callId", ""))):
        deps = dependencies()
        outcome = on_wrap_up_timeout(detail, deps.store, deps.publisher)
        logger.info("wrap-up time over", extra={"version": detail.get("version"), "outcome": outcome})


@entry_point()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS)
    return dict(
        process_partial_response(event=event, record_handler=_record, processor=processor, context=context)
    )
